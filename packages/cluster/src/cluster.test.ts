import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Agent,
  createAgent,
  createLocalCluster,
  createMemoryStore,
  createPluginRegistry,
  type MemoryStore,
} from '@dkron-core/kernel';
import { c, definePlugin, type Execution, type Logger } from '@dkron-core/plugin-api';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentNode, type ClusterServer, createAgentNode, createClusterServer } from './index.js';
import { agentLink, PROTOCOL_VERSION, type ServerMessage } from './internal/proto.js';

const KEY = Buffer.alloc(16, 1).toString('base64');
const WRONG = Buffer.alloc(16, 2).toString('base64');

interface Logged {
  readonly level: string;
  readonly msg: string;
  readonly fields?: Record<string, unknown>;
}
function recordingLogger(lines: Logged[]): Logger {
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, msg, ...(fields ? { fields } : {}) });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Releases of held runs, by job name; each run's calls, by node. */
const held = new Map<string, () => void>();
const calls: string[] = [];

/** `probe`: writes `text`, then ends at once or (hold) when the test releases it. */
function probePlugin(node: string) {
  return definePlugin({
    name: 'probe-executor',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'probe',
        config: c.object({ text: c.string().default(''), hold: c.boolean().default(false) }),
        async execute(req, ctx) {
          calls.push(`${req.job.name}@${node}`);
          ctx.output.write(`${req.config.text} on ${node}\n`);
          if (!req.config.hold) return { success: true };
          return new Promise((resolve) => {
            held.set(req.job.name, () => resolve({ success: true }));
            ctx.signal.addEventListener('abort', () => resolve({ success: false, error: 'aborted' }));
          });
        },
      });
    },
  });
}

/** `agentonly`: an executor only some agent has. */
function agentOnlyPlugin() {
  return definePlugin({
    name: 'agent-only-executor',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'agentonly',
        config: c.object({ word: c.string() }),
        async execute(req, ctx) {
          ctx.output.write(`${req.config.word}\n`);
          return { success: true };
        },
      });
    },
  });
}

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 5_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface ServerHandle {
  agent: Agent;
  store: MemoryStore;
  cluster: ClusterServer;
  port: number;
  logs: Logged[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  held.clear();
  calls.length = 0;
});

async function startServer(
  opts: { key?: string; port?: number; store?: MemoryStore; random?: () => number } = {},
): Promise<ServerHandle> {
  const logs: Logged[] = [];
  const logger = recordingLogger(logs);
  const registry = createPluginRegistry({ nodeName: 's1', logger });
  await registry.register(probePlugin('s1'));
  const base = createLocalCluster({ nodeName: 's1', server: true, version: 'test' });
  const cluster = createClusterServer({
    nodeName: 's1',
    base,
    logger,
    host: '127.0.0.1',
    port: opts.port ?? 0,
    heartbeatIntervalMs: 50,
    heartbeatTimeoutMs: 400,
    rejoinGraceMs: 1_500,
    ...(opts.key ? { key: opts.key } : {}),
  });
  const store = opts.store ?? createMemoryStore();
  const agent = createAgent({
    nodeName: 's1',
    version: 'test',
    store,
    registry,
    logger,
    cluster: cluster.cluster,
    dispatcher: (local) => cluster.dispatcher(local),
    remoteExecutors: () => new Set(cluster.plugins().executors),
    ...(opts.random ? { random: opts.random } : {}),
  });
  await agent.start();
  cluster.adopt(await store.runningExecutions());
  const port = await cluster.start(agent.reports);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await cluster.stop();
    await agent.stop({ timeoutMs: 1000 });
  };
  cleanups.push(stop);
  return { agent, store, cluster, port, logs, stop } as ServerHandle & { stop: () => Promise<void> };
}

async function startNode(
  name: string,
  port: number,
  opts: {
    tags?: Record<string, string>;
    key?: string;
    dataDir?: string;
    retry?: boolean;
    extra?: boolean;
  } = {},
): Promise<AgentNode & { dataDir: string; logs: Logged[] }> {
  const logs: Logged[] = [];
  const logger = recordingLogger(logs);
  const registry = createPluginRegistry({ nodeName: name, logger });
  await registry.register(probePlugin(name));
  if (opts.extra) await registry.register(agentOnlyPlugin());
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'dkron-cluster-test-')));
  const member = createLocalCluster({
    nodeName: name,
    server: false,
    version: 'test',
    tags: opts.tags ?? {},
  }).self();
  const node = createAgentNode({
    member,
    version: 'test',
    registry,
    logger,
    join: opts.retry ? [] : [`127.0.0.1:${port}`],
    ...(opts.retry ? { retryJoin: [`127.0.0.1:${port}`], retryIntervalMs: 50, retryMax: 100 } : {}),
    journalPath: join(dataDir, 'agent-reports.json'),
    ...(opts.key ? { key: opts.key } : {}),
  });
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await node.stop(500);
    stopped = true;
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  await node.start();
  return Object.assign(node, { dataDir, logs });
}

const probeJob = (
  name: string,
  tags: Record<string, string>,
  config: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  name,
  schedule: '@manually',
  executor: 'probe',
  executor_config: { text: 'hello', ...config },
  tags,
  ...extra,
});

async function finished(store: MemoryStore, job: string, count = 1): Promise<Execution[]> {
  return until(`${count} finished execution(s) of ${job}`, async () => {
    const page = await store.listExecutions(job, {});
    const done = page.executions.filter((e) => e.status !== 'running');
    return done.length >= count ? done : undefined;
  });
}

/** An agent speaking the protocol by hand, to die without a word (what a real agent cannot stage). */
async function rawAgent(s: ServerHandle, name: string, tags: Record<string, string>, heartbeat = false) {
  const { Client } = agentLink();
  const client = new Client(`127.0.0.1:${s.port}`, credentials.createInsecure());
  cleanups.push(async () => client.close());
  const stream = client.Connect(new Metadata());
  const dispatched = new Promise<{ job_json: string; execution_json: string }>((resolve) =>
    stream.on('data', (m: ServerMessage) => m.dispatch && resolve(m.dispatch)),
  );
  stream.on('error', () => {});
  const member = createLocalCluster({ nodeName: name, server: false, version: 'test', tags }).self();
  stream.write({
    announce: {
      name,
      addr: member.Addr,
      port: member.Port,
      tags: { ...member.Tags },
      version: 'test',
      executors: ['probe'],
      processors: [],
      running: [],
      protocol: PROTOCOL_VERSION,
    },
  });
  if (heartbeat) {
    const beat = setInterval(() => stream.write({ heartbeat: { sent_at_ms: Date.now() } }), 50);
    cleanups.push(async () => clearInterval(beat));
  }
  await until(`${name} joined`, async () =>
    (await s.agent.members()).some((m) => m.Name === name) ? true : undefined,
  );
  return { stream, dispatched };
}

describe('agents over gRPC', () => {
  it('lists agents as members with their tags and runs a tagged job only on the matching agent', async () => {
    const s = await startServer();
    await startNode('web1', s.port, { tags: { tier: 'web' } });
    await startNode('db1', s.port, { tags: { tier: 'db' } });
    const members = await s.agent.members();
    expect(members.map((m) => [m.Name, m.Status, m.Tags.tier])).toEqual([
      ['s1', 1, undefined],
      ['web1', 1, 'web'],
      ['db1', 1, 'db'],
    ]);
    expect(members[1]?.Tags).toMatchObject({ role: 'dkron', dc: 'dc1', version: 'test' });
    expect(members[1]?.Tags.server).toBeUndefined();

    await s.agent.saveJob(probeJob('web-job', { tier: 'web' }));
    for (let i = 0; i < 3; i++) await s.agent.runJob('web-job');
    const runs = await finished(s.store, 'web-job', 3);
    expect(runs.map((e) => [e.node_name, e.status, e.output])).toEqual(
      Array(3).fill(['web1', 'success', 'hello on web1\n']),
    );
    expect(calls.every((c) => c === 'web-job@web1')).toBe(true);
  });

  it("follows Dkron's tag rules: AND of tags, counts, no match", async () => {
    const s = await startServer();
    await startNode('a1', s.port, { tags: { tier: 'web', zone: 'a' } });
    await startNode('a2', s.port, { tags: { tier: 'web', zone: 'b' } });
    await s.agent.saveJob(probeJob('and', { tier: 'web', zone: 'b' }));
    await s.agent.runJob('and');
    expect((await finished(s.store, 'and')).map((e) => e.node_name)).toEqual(['a2']);

    await s.agent.saveJob(probeJob('all-web', { tier: 'web' }));
    await s.agent.runJob('all-web');
    expect((await finished(s.store, 'all-web', 2)).map((e) => e.node_name).sort()).toEqual(['a1', 'a2']);

    await s.agent.saveJob(probeJob('one-web', { tier: 'web:1' }));
    await s.agent.runJob('one-web');
    const one = await finished(s.store, 'one-web');
    expect(one).toHaveLength(1);
    expect(['a1', 'a2']).toContain(one[0]?.node_name);

    await s.agent.saveJob(probeJob('nobody', { tier: 'gpu' }));
    await expect(s.agent.runJob('nobody')).rejects.toThrow(/no target nodes found to run job nobody/);
  });

  it('refuses an agent with a wrong or no key, and logs it; the right key joins', async () => {
    const s = await startServer({ key: KEY });
    await expect(startNode('bad', s.port, { key: WRONG })).rejects.toThrow(
      /UNAUTHENTICATED|wrong --encrypt key/,
    );
    await expect(startNode('none', s.port)).rejects.toThrow(/no --encrypt credentials/);
    const refusals = s.logs.filter((l) => l.msg === 'refused a node-to-node call');
    expect(refusals.map((l) => [l.fields?.node, l.fields?.reason])).toEqual([
      ['bad', 'wrong --encrypt key (the call signature does not match)'],
      ['(none)', 'the call carries no --encrypt credentials'],
    ]);
    await startNode('good', s.port, { key: KEY });
    expect((await s.agent.members()).map((m) => m.Name)).toEqual(['s1', 'good']);
  });

  it('an agent with a key refuses a server without it', async () => {
    const s = await startServer();
    await expect(startNode('careful', s.port, { key: KEY })).rejects.toThrow(
      /did not prove it holds the --encrypt key/,
    );
  });

  it('never runs a repeated dispatch twice', async () => {
    const s = await startServer();
    await startNode('w1', s.port, { tags: { tier: 'w' } });
    await s.agent.saveJob(probeJob('dup', { tier: 'w' }, { hold: true }));
    await s.agent.runJob('dup');
    const [running] = await until('a running execution', async () => {
      const list = (await s.store.listExecutions('dup', {})).executions;
      return list.length > 0 && held.has('dup') ? list : undefined;
    });
    const job = await s.agent.getJob('dup');
    const dispatcher = s.cluster.dispatcher({ dispatch: () => [] });
    const [again] = dispatcher.dispatch([{ job: job as never, execution: running as Execution }]);
    expect(again?.accepted).toBe(true);
    held.get('dup')?.();
    await finished(s.store, 'dup');
    expect(calls.filter((c) => c === 'dup@w1')).toHaveLength(1);
  });

  it('refuses a dispatch to an agent that is not connected: a failed execution with the reason', async () => {
    const s = await startServer();
    const node = await startNode('gone', s.port, { tags: { tier: 'x' } });
    await s.agent.saveJob(probeJob('to-gone', { tier: 'x' }));
    await node.stop(100);
    await until('the agent left', async () =>
      (await s.agent.members())[1]?.Status === 3 ? true : undefined,
    );
    const dispatcher = s.cluster.dispatcher({ dispatch: () => [] });
    const [handle] = dispatcher.dispatch([
      {
        job: (await s.agent.getJob('to-gone')) as never,
        execution: { id: 'x1', node_name: 'gone' } as Execution,
      },
    ]);
    expect(handle).toMatchObject({ accepted: false, reason: 'agent gone is not connected' });
  });

  it('marks the runs of an agent that stops heartbeating lost', async () => {
    const s = await startServer();
    const doomed = await rawAgent(s, 'doomed', { tier: 'd' });
    await s.agent.saveJob(probeJob('stuck', { tier: 'd' }));
    await s.agent.runJob('stuck');
    const dispatch = await doomed.dispatched;
    doomed.stream.write({ output: { execution_json: dispatch.execution_json, chunk: 'partial output\n' } });
    // Half-closed after the chunk, with no leave: delivered in order, then silence.
    doomed.stream.end();
    const [lost] = await finished(s.store, 'stuck');
    expect(lost?.status).toBe('lost');
    expect(lost?.output).toMatch(
      /^partial output\nexecution lost: agent doomed sent no heartbeat for \d+ s\n$/,
    );
    expect((await s.agent.members())[1]?.Status).toBe(4);
    expect(s.logs.some((l) => l.msg === 'agent failed: no heartbeat' && l.fields?.node === 'doomed')).toBe(
      true,
    );
  });

  it('retries a lost run on another agent the tags select, when retries allow', async () => {
    // random 0: the one target of `tier: r:1` is the first candidate, the agent that dies.
    const s = await startServer({ random: () => 0 });
    const doomed = await rawAgent(s, 'doomed', { tier: 'r' });
    await startNode('spare', s.port, { tags: { tier: 'r' } });
    await s.agent.saveJob(probeJob('again', { tier: 'r:1' }, {}, { retries: 1 }));
    await s.agent.runJob('again');
    await doomed.dispatched;
    doomed.stream.end();
    const runs = await finished(s.store, 'again', 2);
    expect(runs.map((e) => [e.attempt, e.node_name, e.status]).sort()).toEqual([
      [1, 'doomed', 'lost'],
      [2, 'spare', 'success'],
    ]);
  });

  it('after a restart, follows the runs agents had: lost when the agent does not come back or does not have it', async () => {
    const store = createMemoryStore();
    const first = await startServer({ store });
    const vanished = await rawAgent(first, 'vanished', { tier: 'v' });
    const amnesic = await rawAgent(first, 'amnesic', { tier: 'm' });
    await first.agent.saveJob(probeJob('on-vanished', { tier: 'v' }));
    await first.agent.saveJob(probeJob('on-amnesic', { tier: 'm' }));
    await first.agent.runJob('on-vanished');
    await first.agent.runJob('on-amnesic');
    await Promise.all([vanished.dispatched, amnesic.dispatched]);
    await (first as unknown as { stop(): Promise<void> }).stop();

    const second = await startServer({ store, port: first.port });
    // The amnesic agent comes back without the run (it restarted); the other never does.
    await rawAgent(second, 'amnesic', { tier: 'm' }, true);
    const [gone] = await finished(store, 'on-vanished');
    expect(gone).toMatchObject({ status: 'lost', node_name: 'vanished' });
    expect(gone?.output).toMatch(/execution lost: agent vanished sent no heartbeat/);
    const [forgotten] = await finished(store, 'on-amnesic');
    expect(forgotten?.status).toBe('lost');
    expect(forgotten?.output).toMatch(
      /execution lost: agent amnesic does not run it any more \(it restarted\)/,
    );
    expect((await second.agent.members()).map((m) => m.Name)).toEqual(['s1', 'amnesic']);
  });

  it('a server that does not lead sends the agent to the leader', async () => {
    const leader = await startServer();
    const logs: Logged[] = [];
    const own = createLocalCluster({ nodeName: 's2', server: true, version: 'test' });
    const leaderMember = createLocalCluster({
      nodeName: 's1',
      server: true,
      version: 'test',
      rpcPort: leader.port,
    }).self();
    // The one thing a single process cannot stage: another server leads.
    const follower = createClusterServer({
      nodeName: 's2',
      base: { ...own, isLeader: () => false, leader: () => leaderMember },
      logger: recordingLogger(logs),
      host: '127.0.0.1',
      port: 0,
    });
    const port = await follower.start({ started() {}, output() {}, async finished() {} });
    cleanups.push(() => follower.stop());
    const node = await startNode('mover', port, { tags: { tier: 'm' } });
    expect(node.connectedTo()).toBe(`127.0.0.1:${leader.port}`);
    expect(
      node.logs.some((l) => l.msg === 'redirected to the leader' && l.fields?.leader_name === 's1'),
    ).toBe(true);
    expect((await leader.agent.members()).map((m) => m.Name)).toEqual(['s1', 'mover']);
    expect(follower.cluster.members().map((m) => m.Name)).toEqual(['s2']);
  });

  it('accepts a job whose executor only an agent has, lists it in the catalog, refuses one nobody has', async () => {
    const s = await startServer();
    await startNode('special', s.port, { tags: { tier: 's' }, extra: true });
    const catalog = s.cluster.catalog(s.agent.plugins());
    expect(catalog.executors.map((e) => e.name)).toEqual(['agentonly', 'probe']);
    expect(catalog.executors[0]?.config).toMatchObject({ properties: { word: { type: 'string' } } });
    await s.agent.saveJob({
      name: 'special-job',
      schedule: '@manually',
      executor: 'agentonly',
      executor_config: { word: 'bonjour' },
      tags: { tier: 's' },
    });
    await s.agent.runJob('special-job');
    const [done] = await finished(s.store, 'special-job');
    expect(done).toMatchObject({ status: 'success', node_name: 'special', output: 'bonjour\n' });
    // Its config is checked where it runs: a bad one fails that execution with the reason.
    await s.agent.saveJob({
      name: 'special-bad',
      schedule: '@manually',
      executor: 'agentonly',
      executor_config: {},
      tags: { tier: 's' },
    });
    await s.agent.runJob('special-bad');
    const [bad] = await finished(s.store, 'special-bad');
    expect(bad).toMatchObject({ status: 'failed', node_name: 'special' });
    expect(bad?.output).toMatch(/word/);
    await expect(
      s.agent.saveJob({
        name: 'nobody-has',
        schedule: '@manually',
        executor: 'teleport',
        executor_config: {},
      }),
    ).rejects.toThrow(/unknown executor "teleport"/);
  });

  it('keeps running when cut off, and its result is recorded once after it reconnects', async () => {
    const store = createMemoryStore();
    const first = await startServer({ store });
    const port = first.port;
    const node = await startNode('part', port, { tags: { tier: 'p' }, retry: true });
    await first.agent.saveJob(probeJob('through', { tier: 'p' }, { hold: true }));
    await first.agent.runJob('through');
    await until('the run started', () => (held.has('through') ? true : undefined));
    // The server restarts on the same store and port (the agent's stream is cut meanwhile).
    await (first as unknown as { stop(): Promise<void> }).stop();
    await until('the agent noticed', () => (node.connectedTo() === undefined ? true : undefined));
    held.get('through')?.();
    await until('the run ended on the agent', () => (node.running().length === 0 ? true : undefined));
    const journal = JSON.parse(
      await readFile(join(node.dataDir, 'agent-reports.json'), 'utf8'),
    ) as Execution[];
    expect(journal.map((e) => [e.job_name, e.status])).toEqual([['through', 'success']]);

    const second = await startServer({ store, port });
    await until('reconnected', () => (node.connectedTo() ? true : undefined));
    const [done] = await finished(second.store, 'through');
    expect(done).toMatchObject({ status: 'success', node_name: 'part', output: 'hello on part\n' });
    await until('acknowledged', () => (node.unacknowledged() === 0 ? true : undefined));
    expect((await second.store.listExecutions('through', {})).executions).toHaveLength(1);
    expect(calls.filter((c) => c === 'through@part')).toHaveLength(1);
  });
});
