/**
 * The API tests' agent: the real kernel agent (`createAgent`) on the memory store, with test plugins
 * instead of the real executors. Nothing here re-implements a Dkron rule; the wrapper only records what
 * the API asked for and injects the failures the real agent cannot produce on demand (a broken store,
 * an unhealthy store, an unknown leader, a failed peer).
 */

import {
  type Agent,
  type Clock,
  type Cluster,
  createAgent,
  createLocalCluster,
  createMemoryStore,
  createPluginRegistry,
  type ExecutionQuery,
  type JobQuery,
  type Member,
  type Store,
  toJob,
} from '@dkron-core/kernel';
import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import { type HeldRun, testPlugins } from './test-plugins.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A job with Dkron's defaults, for seeding: `@every 1m` on the test `shell` executor. */
export function makeJob(fields: Partial<Job> & { name: string }): Job {
  return {
    ...toJob({}),
    id: fields.name,
    schedule: '@every 1m',
    executor: 'shell',
    executor_config: { command: 'true' },
    ...fields,
  };
}

/** What a test can change about the node the real agent sees. */
interface Injected {
  failWith: Error | undefined;
  healthIssues: string[];
  leaderKnown: boolean;
  leading: boolean;
  failedPeer: boolean;
}

/** Every Store method fails with `failWith` while it is set; `health` reports `healthIssues`. */
function injectingStore(store: Store, injected: Injected): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'health') return async () => [...injected.healthIssues];
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (injected.failWith) return Promise.reject(injected.failWith);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** The one-node cluster, with a failed peer and leadership the test can hide. */
function injectingCluster(local: Cluster, injected: Injected): Cluster {
  const peer = (): Member => ({ ...local.self(), Name: 'node-b', Addr: '127.0.0.2', Status: 4 });
  return {
    ...local,
    members: () => [...local.members(), ...(injected.failedPeer ? [peer()] : [])],
    leader: () => (injected.leaderKnown ? local.leader() : undefined),
    isLeader: () => injected.leading && local.isLeader(),
  };
}

/** Options of {@link createTestAgent}. */
export interface TestAgentOptions {
  readonly nodeName?: string;
  readonly maxExecutionsPerJob?: number;
  readonly clock?: Clock;
}

/** What the wrapper records of the API's calls. */
interface Recorded {
  runs: string[];
  lastJobQuery: JobQuery | undefined;
  lastExecutionQuery: ExecutionQuery | undefined;
  lastStatsDays: number | undefined;
}

/**
 * The real agent as the API sees it: every call goes to the real agent after recording what the API
 * passed; `busy` (which reads no store) fails with `failWith` too; followers are counted per execution.
 */
function recordingApi(
  real: Agent,
  recorded: Recorded,
  injected: Injected,
  following: Map<string, number>,
): Agent {
  return {
    ...real,
    async listJobs(query) {
      recorded.lastJobQuery = query;
      return real.listJobs(query);
    },
    async listExecutions(job, query) {
      recorded.lastExecutionQuery = query;
      return real.listExecutions(job, query);
    },
    async stats(days) {
      recorded.lastStatsDays = days;
      return real.stats(days);
    },
    async runJob(name, runOptions) {
      const job = await real.runJob(name, runOptions);
      recorded.runs.push(name);
      return job;
    },
    async busy() {
      if (injected.failWith) throw injected.failWith;
      return real.busy();
    },
    async *followExecution(job, id, signal) {
      following.set(id, (following.get(id) ?? 0) + 1);
      try {
        yield* real.followExecution(job, id, signal);
      } finally {
        following.set(id, (following.get(id) ?? 1) - 1);
      }
    },
  };
}

/** Starts the real agent over the memory store, the test plugins and the injecting store and cluster. */
async function startReal(options: TestAgentOptions, injected: Injected, held: Map<string, HeldRun>) {
  const nodeName = options.nodeName ?? 'node-a';
  const registry = createPluginRegistry({ nodeName, logger: silent });
  for (const plugin of testPlugins(held)) await registry.register(plugin);
  const store = createMemoryStore();
  const state = { left: false };
  const real: Agent = createAgent({
    nodeName,
    version: '0.0.0-test',
    store: injectingStore(store, injected),
    registry,
    logger: silent,
    maxExecutionsPerJob: options.maxExecutionsPerJob ?? 100,
    cluster: injectingCluster(
      createLocalCluster({ nodeName, server: true, version: '0.0.0-test' }),
      injected,
    ),
    onLeave: () => {
      state.left = true;
    },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await real.start();
  return { real, store, state, nodeName };
}

/** Stores an execution as is (finished unless its status is `running`), for seeding. */
async function seedExecution(store: Store, retain: number, execution: Execution): Promise<Execution> {
  await store.startExecutions([{ ...execution, status: 'running', success: false }], retain);
  if (execution.status === 'running') return execution;
  await store.finishExecutions([
    {
      jobName: execution.job_name,
      executionId: execution.id,
      status: execution.status,
      finishedAt: execution.finished_at,
      output: execution.output,
    },
  ]);
  return execution;
}

/**
 * Starts the real agent and returns the test's handle on it: `api` (what the app is given), the
 * memory store under it, seeding and inspection helpers, the failures to inject and `stop`.
 */
export async function createTestAgent(options: TestAgentOptions = {}) {
  const injected: Injected = {
    failWith: undefined,
    healthIssues: [],
    leaderKnown: true,
    leading: true,
    failedPeer: false,
  };
  const held = new Map<string, HeldRun>();
  const { real, store, state, nodeName } = await startReal(options, injected, held);
  const retain = options.maxExecutionsPerJob ?? 100;
  const following = new Map<string, number>();
  const recorded: Recorded = {
    runs: [],
    lastJobQuery: undefined,
    lastExecutionQuery: undefined,
    lastStatsDays: undefined,
  };

  const test = {
    /** The agent the app is given. */
    api: recordingApi(real, recorded, injected, following),
    /** The memory store under the agent (no failure injection). */
    store,
    /** Names of the jobs whose run the agent accepted, in order. */
    get runs() {
      return recorded.runs;
    },
    get lastJobQuery() {
      return recorded.lastJobQuery;
    },
    get lastExecutionQuery() {
      return recorded.lastExecutionQuery;
    },
    get lastStatsDays() {
      return recorded.lastStatsDays;
    },
    /** Set to make every store call (and `busy`) fail, as a broken store would. */
    set failWith(error: Error | undefined) {
      injected.failWith = error;
    },
    /** What the store's `health` reports. */
    set healthIssues(issues: string[]) {
      injected.healthIssues = issues;
    },
    set leaderKnown(known: boolean) {
      injected.leaderKnown = known;
    },
    set leading(leading: boolean) {
      injected.leading = leading;
    },
    /** Lists a failed member `node-b` beside this node. */
    set failedPeer(shown: boolean) {
      injected.failedPeer = shown;
    },
    /** Whether `POST /v1/leave` made the agent leave. */
    get left() {
      return state.left;
    },

    /** Stores a job as is, without the API's validation (runtime fields included), for seeding. */
    seedJob: (fields: Partial<Job> & { name: string }): Promise<Job> => store.saveJob(makeJob(fields)),
    /** Stores an execution of this node as is, for seeding (finished unless `status: 'running'`). */
    seedExecution: (fields: Partial<Execution> & { job_name: string; id: string }) =>
      seedExecution(store, retain, {
        started_at: '2024-01-01T00:00:00Z',
        finished_at: '2024-01-01T00:00:01Z',
        success: true,
        output: '',
        node_name: nodeName,
        group: 1,
        attempt: 1,
        status: 'success',
        scheduled_at: null,
        ...fields,
      }),
    /** The stored job, or `undefined`. */
    job: (name: string) => store.getJob(name),
    /** Names of the stored jobs, sorted. */
    jobNames: async (): Promise<string[]> => (await store.listJobs({})).jobs.map((j) => j.name),
    /** A job's stored executions, newest first. */
    executionsOf: async (name: string): Promise<Execution[]> =>
      (await store.listExecutions(name, {})).executions,
    /**
     * Starts a run of `job` that holds until the test finishes it (the job is switched to the `gate`
     * executor first) and returns it once it runs.
     */
    async hold(name: string): Promise<HeldRun> {
      const stored = await store.getJob(name);
      if (!stored) throw new Error(`hold: no job ${name}`);
      const before = new Set(held.keys());
      await store.saveJob({ ...stored, executor: 'gate', executor_config: { hold: true } });
      await real.runJob(name, { force: true });
      return test.heldRun(name, before);
    },
    /** Waits for a held run of `job` (of the `gate` executor with `hold: true`) other than `except`. */
    async heldRun(name: string, except: ReadonlySet<string> = new Set()): Promise<HeldRun> {
      for (let i = 0; i < 1000; i++) {
        const run = [...held.values()].find((r) => r.job === name && !except.has(r.id));
        if (run) return run;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`no held run of ${name} started`);
    },
    /** The held run of execution `id`. */
    held(id: string): HeldRun {
      const run = held.get(id);
      if (!run) throw new Error(`no held run ${id}`);
      return run;
    },
    /** Ends every held run with success. */
    release(): void {
      for (const run of [...held.values()]) run.finish(true);
    },
    /** How many clients follow execution `id` now. */
    followerCount: (id: string) => following.get(id) ?? 0,
    /** Everything stored, serialized, to prove that a rejected request changed nothing. */
    async snapshot(): Promise<string> {
      const jobs = (await store.allJobs()).sort((a, b) => (a.name < b.name ? -1 : 1));
      const executions = await Promise.all(jobs.map((j) => store.listExecutions(j.name, {})));
      return JSON.stringify({ jobs, executions });
    },
    /**
     * Waits until the agent is quiet: nothing runs here and the store stays the same over a few turns
     * of the event loop (the records of a finished run are written in batches, a turn or two later).
     */
    async settled(): Promise<void> {
      let last = '';
      for (let quiet = 0, i = 0; quiet < 3; i++) {
        if (i > 2000) throw new Error('the agent did not settle');
        await new Promise((resolve) => setImmediate(resolve));
        const now = (await real.busy()).length === 0 ? await test.snapshot() : '';
        quiet = now !== '' && now === last ? quiet + 1 : 0;
        last = now;
      }
    },
    /** Ends the held runs and stops the agent. */
    async stop(): Promise<void> {
      injected.failWith = undefined;
      test.release();
      await real.stop({ timeoutMs: 0 });
    },
  };
  return test;
}

/** The test agent. */
export type TestAgent = Awaited<ReturnType<typeof createTestAgent>>;
