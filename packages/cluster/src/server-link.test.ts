import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Agent,
  type Cluster,
  createAgent,
  createLocalCluster,
  createMemoryStore,
  createPluginRegistry,
  type MemoryStore,
} from '@dkron-core/kernel';
import { c, definePlugin, type Execution, type Logger } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterServer, createAgentNode, createClusterServer } from './index.js';

/*
 * Two servers over one store (the leader s1, the follower s2) and a plain agent a1 connected to the
 * leader: the follower's API reaches the run on a1 through ServerLink. The follower's leadership is set
 * (it does not lead, s1 does); everything else is the real kernel agents and gRPC on loopback.
 */

const KEY = Buffer.alloc(16, 1).toString('base64');
const WRONG = Buffer.alloc(16, 2).toString('base64');

const releases = new Map<string, () => void>();

/** `hold`: writes a line, then ends when the test releases it or its signal aborts. */
const holdPlugin = definePlugin({
  name: 'hold-executor',
  apiVersion: 1,
  setup(host) {
    host.executor({
      name: 'hold',
      config: c.object({}),
      async execute(req, ctx) {
        ctx.output.write(`started ${req.job.name}\n`);
        return new Promise((resolve) => {
          releases.set(req.job.name, () => {
            ctx.output.write(`released ${req.job.name}\n`);
            resolve({ success: true });
          });
          ctx.signal.addEventListener('abort', () => resolve({ success: false, error: 'aborted' }));
        });
      },
    });
  },
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  releases.clear();
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function recording(lines: string[]): Logger {
  return { ...quiet, warn: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`) };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Server {
  agent: Agent;
  cluster: ClusterServer;
  port: number;
}

async function startServer(
  name: string,
  store: MemoryStore,
  base: Cluster,
  key: string | undefined,
  logger: Logger,
): Promise<Server> {
  const registry = createPluginRegistry({ nodeName: name, logger });
  await registry.register(holdPlugin);
  const cluster = createClusterServer({
    nodeName: name,
    base,
    logger,
    host: '127.0.0.1',
    port: 0,
    ...(key ? { key } : {}),
  });
  const agent = createAgent({
    nodeName: name,
    version: 'test',
    store,
    registry,
    logger,
    cluster: cluster.cluster,
    dispatcher: (local) => cluster.dispatcher(local),
    remoteExecutors: () => new Set(cluster.plugins().executors),
    remoteRuns: cluster.remoteRuns,
  });
  await agent.start();
  const port = await cluster.start(agent.reports, agent);
  cleanups.push(async () => {
    await cluster.stop();
    await agent.stop({ timeoutMs: 1000 });
  });
  return { agent, cluster, port };
}

/** The leader s1 with agent a1, and the follower s2 (signing with `followerKey`). */
async function startCluster(followerKey: string | undefined = KEY) {
  const store = createMemoryStore();
  const leaderLogs: string[] = [];
  const leaderBase = createLocalCluster({ nodeName: 's1', server: true, version: 'test' });
  const leader = await startServer('s1', store, leaderBase, KEY, recording(leaderLogs));
  const leaderMember = {
    ...leaderBase.self(),
    Tags: { ...leaderBase.self().Tags, rpc_addr: `127.0.0.1:${leader.port}` },
  };
  const own = createLocalCluster({ nodeName: 's2', server: true, version: 'test' });
  const followerBase: Cluster = {
    members: () => [leaderMember, own.self()],
    candidates: () => [],
    leader: () => leaderMember,
    isLeader: () => false,
    epoch: () => 0,
    self: () => own.self(),
    onLeadershipChange: () => () => {},
  };
  const follower = await startServer('s2', store, followerBase, followerKey, quiet);
  const dataDir = await mkdtemp(join(tmpdir(), 'dkron-server-link-'));
  const registry = createPluginRegistry({ nodeName: 'a1', logger: quiet });
  await registry.register(holdPlugin);
  const node = createAgentNode({
    member: createLocalCluster({
      nodeName: 'a1',
      server: false,
      version: 'test',
      tags: { tier: 'a' },
    }).self(),
    version: 'test',
    registry,
    logger: quiet,
    join: [`127.0.0.1:${leader.port}`],
    journalPath: join(dataDir, 'agent-reports.json'),
    key: KEY,
  });
  await node.start();
  cleanups.push(async () => {
    await node.stop(500);
    await rm(dataDir, { recursive: true, force: true });
  });
  await leader.agent.saveJob({ name: 'held', schedule: '@manually', executor: 'hold', tags: { tier: 'a' } });
  return { store, leader, follower, leaderLogs };
}

async function runningOn(server: Server, job: string): Promise<Execution> {
  return until(`${job} in busy`, async () => {
    const run = (await server.agent.busy()).find((e) => e.job_name === job);
    return run?.output.startsWith('started') ? run : undefined;
  });
}

describe('a server that does not lead, over ServerLink', () => {
  it('runs a job now through the leader, lists it live, streams its output and its end', async () => {
    const { follower } = await startCluster();
    await follower.agent.runJob('held');
    const run = await runningOn(follower, 'held');
    expect(run).toMatchObject({ node_name: 'a1', status: 'running', output: 'started held\n' });
    const stop = new AbortController();
    const events: string[] = [];
    for await (const event of follower.agent.followExecution('held', run.id, stop.signal)) {
      if (event.type === 'output') {
        events.push(event.chunk);
        releases.get('held')?.();
      } else {
        events.push(`done ${event.execution.status}`);
      }
    }
    expect(events).toEqual(['started held\n', 'released held\n', 'done success']);
  });

  it("lists the leader's agents among its members", async () => {
    const { follower } = await startCluster();
    const members = await until('a1 among the members of s2', async () => {
      const all = await follower.agent.members();
      return all.some((m) => m.Name === 'a1') ? all : undefined;
    });
    expect(members.map((m) => [m.Name, m.Status, m.Tags.tier])).toEqual([
      ['s1', 1, undefined],
      ['s2', 1, undefined],
      ['a1', 1, 'a'],
    ]);
  });

  it("cancels a run on the leader's agent; errors keep their code", async () => {
    const { follower } = await startCluster();
    await follower.agent.runJob('held');
    const run = await runningOn(follower, 'held');
    const cancelled = await follower.agent.cancelExecution('held', run.id);
    expect(cancelled).toMatchObject({ id: run.id, status: 'cancelled', node_name: 'a1' });
    await expect(follower.agent.cancelExecution('held', run.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `execution ${run.id} of job held is not running (cancelled)`,
    });
    await expect(follower.agent.cancelExecution('held', 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(follower.agent.runJob('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('is refused without the right --encrypt key, and the leader logs it', async () => {
    const { follower, leaderLogs, store } = await startCluster(WRONG);
    await expect(follower.agent.runJob('held')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('refused by s1: wrong --encrypt key'),
    });
    expect(leaderLogs.some((l) => l.startsWith('refused a node-to-node call') && l.includes('"s2"'))).toBe(
      true,
    );
    expect((await store.listExecutions('held', {})).total).toBe(0);
    // busy still answers, from the store.
    expect(await follower.agent.busy()).toEqual([]);
  });
});
