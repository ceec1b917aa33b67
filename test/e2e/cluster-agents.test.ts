/**
 * Plain agents over gRPC with the built CLI: one server and two agents on loopback. Runs land on the
 * agents the job's tags select (Dkron's rules: AND of tags, `value:count`), their output is read through
 * the server's API, and a node without the right --encrypt key is refused. The long drills (kill -9 of an
 * agent, a restarted server) are in test/fault/agent-loss.test.ts.
 */

import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent, stopAllAgents, waitFor } from './helpers/index.js';

const KEY = 'kPpdjphiipNSsjd4QHWbkA==';
const WRONG = 'AAAAAAAAAAAAAAAAAAAAAA==';

interface MemberView {
  Name: string;
  Status: number;
  statusText: string;
  Tags: Record<string, string>;
}

let server: AgentHandle;
let client: ReturnType<typeof api>;

function startPlain(
  name: string,
  serverHandle: AgentHandle,
  args: readonly string[] = [],
): Promise<AgentHandle> {
  return startAgent({
    server: false,
    nodeName: name,
    args: ['--join', `127.0.0.1:${serverHandle.ports.rpc}`, ...args],
    healthTimeoutMs: 15_000,
  });
}

const shellJob = (name: string, tags: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@manually',
  executor: 'shell',
  executor_config: { command: `echo ran ${name}` },
  tags,
  ...extra,
});

async function finishedRuns(name: string, count: number): Promise<Execution[]> {
  return waitFor(
    async () => {
      const { body } = await client.jobs.executions(name);
      const done = body.filter((e) => e.status !== 'running');
      return done.length >= count ? done : undefined;
    },
    { message: `${count} finished execution(s) of ${name}`, timeoutMs: 15_000 },
  );
}

beforeAll(async () => {
  server = await startAgent({ nodeName: 's1' });
  client = api(server.baseUrl);
  await Promise.all([
    startPlain('web1', server, ['--tag', 'tier=web', '--tag', 'zone=a']),
    startPlain('db1', server, ['--tag', 'tier=db', '--tag', 'zone=a']),
  ]);
});

afterAll(async () => {
  await stopAllAgents();
});

describe('a server with two plain agents', () => {
  it("lists the agents in /v1/members with Dkron's fields and their tags", async () => {
    const { body } = await client.get<MemberView[]>('/v1/members');
    const byName = new Map(body.map((m) => [m.Name, m]));
    expect([...byName.keys()].sort()).toEqual(['db1', 's1', 'web1']);
    expect(byName.get('web1')).toMatchObject({
      Status: 1,
      statusText: 'alive',
      Tags: { tier: 'web', zone: 'a', role: 'dkron', dc: 'dc1', region: 'global' },
    });
    expect(byName.get('web1')?.Tags.server).toBeUndefined();
    expect(byName.get('s1')?.Tags.server).toBe('true');
    // The cluster's catalog: the server's plugins and its agents' (here the same built-ins, once each).
    const plugins = await client.get<{ executors: { name: string }[] }>('/v1/plugins');
    const names = plugins.body.executors.map((e) => e.name);
    expect(names).toContain('shell');
    expect(new Set(names).size).toBe(names.length);
  });

  it('runs a job targeting tier=web only on the web agent; its output is read through the server', async () => {
    await client.jobs.save(shellJob('web-only', { tier: 'web' }));
    for (let i = 0; i < 3; i++) expect((await client.jobs.run('web-only')).status).toBe(200);
    const runs = await finishedRuns('web-only', 3);
    expect(runs.map((e) => [e.node_name, e.status, e.output])).toEqual(
      Array(3).fill(['web1', 'success', 'ran web-only\n']),
    );
  });

  it('runs scheduled slots on the selected agent', async () => {
    await client.jobs.save(shellJob('db-every', { tier: 'db' }, { schedule: '@every 1s' }));
    const runs = await finishedRuns('db-every', 2);
    await client.jobs.delete('db-every');
    expect(new Set(runs.map((e) => e.node_name))).toEqual(new Set(['db1']));
    expect(runs.every((e) => e.status === 'success' && e.scheduled_at !== null)).toBe(true);
  });

  it("follows Dkron's tag rules: AND of tags, and value:count", async () => {
    await client.jobs.save(shellJob('web-and-a', { tier: 'web', zone: 'a' }));
    await client.jobs.run('web-and-a');
    expect((await finishedRuns('web-and-a', 1)).map((e) => e.node_name)).toEqual(['web1']);

    await client.jobs.save(shellJob('zone-a', { zone: 'a' }));
    await client.jobs.run('zone-a');
    expect((await finishedRuns('zone-a', 2)).map((e) => e.node_name).sort()).toEqual(['db1', 'web1']);

    await client.jobs.save(shellJob('one-of-a', { zone: 'a:1' }));
    await client.jobs.run('one-of-a');
    const [one, ...more] = await finishedRuns('one-of-a', 1);
    expect(more).toEqual([]);
    expect(['db1', 'web1']).toContain(one?.node_name);
  });
});

describe('tags that match no alive node', () => {
  it('a scheduled slot is a failed execution with the reason; a manual run is 404 as in Dkron', async () => {
    await client.jobs.save(shellJob('nobody', { tier: 'gpu' }, { schedule: '@every 1s' }));
    const [first] = await finishedRuns('nobody', 1);
    await client.jobs.delete('nobody');
    expect(first).toMatchObject({
      status: 'failed',
      success: false,
      output: 'no target nodes found to run job nobody: no alive member matches its tags {"tier":"gpu"}\n',
    });
    await client.jobs.save(shellJob('nobody-now', { tier: 'gpu' }));
    const run = await client.jobs.run('nobody-now');
    expect(run.status).toBe(404);
    expect(run.text).toContain('no target nodes found to run job nobody-now');
  });
});

describe('--encrypt', () => {
  it('refuses a node with a wrong key or none, and the server logs it; the right key joins', async () => {
    const secured = await startAgent({ nodeName: 's2', args: ['--encrypt', KEY] });
    await expect(startPlain('intruder', secured, ['--encrypt', WRONG])).rejects.toThrow(
      /could not join a server \(1 attempt\): 127\.0\.0\.1:\d+: refused by s2: wrong --encrypt key/,
    );
    await expect(startPlain('keyless', secured)).rejects.toThrow(/the call carries no --encrypt credentials/);
    const refusals = secured
      .logs()
      .split('\n')
      .filter((l) => l.includes('refused a node-to-node call'))
      .map((l) => JSON.parse(l) as { node: string; reason: string });
    expect(refusals.map((r) => [r.node, r.reason])).toEqual([
      ['intruder', 'wrong --encrypt key (the call signature does not match)'],
      ['(none)', 'the call carries no --encrypt credentials'],
    ]);
    await startPlain('trusted', secured, ['--encrypt', KEY, '--tag', 'tier=safe']);
    const members = await api(secured.baseUrl).get<MemberView[]>('/v1/members');
    expect(members.body.map((m) => m.Name).sort()).toEqual(['s2', 'trusted']);
  });

  it('a plain agent without --join says what it needs', async () => {
    await expect(startAgent({ server: false, nodeName: 'lonely', healthTimeoutMs: 10_000 })).rejects.toThrow(
      /a plain agent \(without --server\) needs --join or --retry-join/,
    );
  });
});
