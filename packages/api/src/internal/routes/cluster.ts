import { randomUUID } from 'node:crypto';
import type { Member } from '@dkron-core/kernel';
import { Hono } from 'hono';
import { actorOf } from '../acl/actor.js';
import { readableExecutions } from '../acl/job-access.js';
import type { RouteDeps } from '../deps.js';
import { describe } from '../describe.js';
import { presentStatus } from '../present.js';
import { arrayOf, ref } from '../schemas.js';

const STATUS_TEXT = ['none', 'alive', 'leaving', 'left', 'failed'] as const;

/** A `/v1/members` item: Serf's fields plus what react-admin needs. */
export type ListedMember = Member & { readonly id: string; readonly statusText: string };

function toListed(member: Member): ListedMember {
  // Dkron hands out a fresh random id on every call; react-admin only needs it to be unique.
  return { ...member, id: randomUUID(), statusText: STATUS_TEXT[member.Status] ?? 'none' };
}

const indexDoc = (operationId: string) => ({
  operationId,
  summary: 'Node status',
  tags: ['default'],
  responses: { 200: { description: 'Agent name and version, serf stats, tags.', schema: ref('Index') } },
});

/** Health, node status, membership, leadership, running executions. */
export function clusterRoutes({ agent, audit }: RouteDeps) {
  return new Hono()
    .get(
      '/health',
      describe({
        operationId: 'health',
        summary: 'Liveness and plugin health',
        tags: ['default'],
        // Says no more than healthy or not, so load balancers need no token.
        access: 'public',
        responses: {
          200: { description: '`{"status":"healthy"}`, with `leader` on servers.', schema: ref('Health') },
          503: { description: '`{"status":"unhealthy","issues":[…]}`.', schema: ref('Health') },
        },
      }),
      async (c) => {
        const { healthy, issues, leader } = await agent.health();
        const role = leader === undefined ? {} : { leader };
        if (healthy) return c.json({ status: 'healthy' as const, ...role }, 200);
        return c.json({ status: 'unhealthy' as const, issues, ...role }, 503);
      },
    )
    .get('/v1', describe(indexDoc('status')), (c) => c.json(presentStatus(agent.info()), 200))
    .get('/v1/', describe(indexDoc('statusSlash')), (c) => c.json(presentStatus(agent.info()), 200))
    .get(
      '/v1/members',
      describe({
        operationId: 'getMember',
        summary: 'List cluster members',
        tags: ['members'],
        access: { capabilities: ['list', 'read'] },
        responses: {
          200: {
            description: 'Every member, in any state.',
            schema: arrayOf('ListedMember'),
            headers: ['X-Total-Count'],
          },
        },
      }),
      async (c) => {
        const members = (await agent.members()).map(toListed);
        c.header('X-Total-Count', String(members.length));
        return c.json(members, 200);
      },
    )
    .get(
      '/v1/leader',
      describe({
        operationId: 'getLeader',
        summary: 'The leader',
        tags: ['default'],
        responses: { 200: { description: 'The leader member.', schema: ref('Member') } },
        errors: { 500: 'No leader is known yet (Dkron answers 500 here too).' },
      }),
      async (c) => {
        const leader = await agent.leader();
        // Dkron's status for this case is 500; the code says what it means.
        if (!leader) return c.json({ message: 'no leader is known yet', code: 'UNAVAILABLE' }, 500);
        return c.json(leader, 200);
      },
    )
    .get(
      '/v1/isleader',
      describe({
        operationId: 'getIsLeader',
        summary: 'Is this node the leader?',
        tags: ['default'],
        responses: {
          200: { description: '`"I am a leader"`', schema: { type: 'string', const: 'I am a leader' } },
          404: { description: '`"I am a follower"`', schema: { type: 'string', const: 'I am a follower' } },
        },
      }),
      (c) => (agent.isLeader() ? c.json('I am a leader', 200) : c.json('I am a follower', 404)),
    )
    .post(
      '/v1/leave',
      describe({
        operationId: 'leave',
        summary: 'Leave the cluster and stop this agent',
        tags: ['default'],
        responses: { 200: { description: 'The remaining peers.', schema: arrayOf('Member') } },
      }),
      async (c) => {
        // Recorded first: leaving stops this agent, and its store with it.
        await audit(c, { action: 'leave', details: { node: agent.nodeName } });
        return c.json(await agent.leave(), 200);
      },
    )
    .get(
      '/v1/busy',
      describe({
        operationId: 'busy',
        summary: 'Running executions, cluster-wide',
        description: 'Oldest first, each with all its output so far.',
        tags: ['default'],
        access: { capabilities: ['list', 'read'] },
        responses: {
          200: {
            description: 'Running executions.',
            schema: arrayOf('Execution'),
            headers: ['X-Total-Count'],
          },
        },
      }),
      async (c) => {
        const running = readableExecutions(actorOf(c), await agent.busy());
        c.header('X-Total-Count', String(running.length));
        return c.json(running, 200);
      },
    );
}
