import { DkronError, isDkronError, type Logger } from '@dkron-core/plugin-api';
import type { AgentApi, AgentHealth, Member } from '../../ports/agent.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Cluster } from '../../ports/cluster.js';
import type { ExecutionJournal } from '../../ports/execution-journal.js';
import type { Notifier } from '../../ports/notifier.js';
import type { DayStats, JobPage, JobQuery, Store } from '../../ports/store.js';
import { createLocalCluster } from '../cluster/local-cluster.js';
import { type JobGraph, jobGraph } from '../dag/index.js';
import { DEFAULT_CATCHUP_MS, DEFAULT_OUTPUT_LIMIT, DEFAULT_RETAINED_EXECUTIONS } from '../defaults.js';
import { createJobService, type ScheduleFeed } from '../jobs/job-service.js';
import { notify } from '../leader/context.js';
import { createLaunchLedger } from '../leader/launch-ledger.js';
import { createLeaderTerm, type LeaderTerm } from '../leader/leader.js';
import { createReportIntake } from '../leader/report-intake.js';
import { UnwrittenRecords } from '../leader/unwritten-records.js';
import type { PluginRegistry } from '../plugins/index.js';
import { createWorker } from '../worker/worker.js';
import { markOrphansLost, recordUnrecordedLaunches } from './orphans.js';

/** Options of {@link createAgent}. */
export interface AgentOptions {
  readonly nodeName: string;
  readonly version: string;
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Server nodes schedule (single node: always the leader). Default true. */
  readonly server?: boolean;
  /** User node tags (`--tag k=v`). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly datacenter?: string;
  readonly region?: string;
  /** RPC port advertised in the `port` and `rpc_addr` tags. Default 6868. */
  readonly rpcPort?: number;
  /** Zone of jobs without `timezone`. Default `UTC`. */
  readonly defaultTimezone?: string;
  /** Executions kept per job. Default 100 (Dkron's fixed value). */
  readonly maxExecutionsPerJob?: number;
  /** Bytes of output kept per execution (tail). Default 256,000 as Dkron. */
  readonly outputLimit?: number;
  /**
   * How long before its slot a scheduled run's launch record is written (it still starts at the
   * slot, never earlier), so that the store's latency does not make runs late. Default 800 ms.
   */
  readonly launchLeadMs?: number;
  /** Random source of target selection. */
  readonly random?: () => number;
  /** Called by `POST /v1/leave` after the agent stopped scheduling. */
  readonly onLeave?: () => void;
  /** Sends notifications of starts and final results. */
  readonly notifier?: Notifier;
  /**
   * Keeps running records and completions the store refused across a restart (a file under the data
   * dir in the server); without it they are kept and retried in memory only.
   */
  readonly journal?: ExecutionJournal;
  /** Replaces the single-node cluster (the clustering issue plugs in here). */
  readonly cluster?: Cluster;
  /**
   * With servers sharing a store: how often the leader reads the store for jobs saved or deleted through
   * other servers (see LeaderTermOptions.jobSyncMs). Default: never (one server).
   */
  readonly jobSyncMs?: number;
}

/** A running agent: the API facade plus lifecycle. */
export interface Agent extends AgentApi {
  /** Loads the jobs, resolves executions orphaned by a previous process, starts scheduling. */
  start(): Promise<void>;
  /**
   * Stops scheduling, waits up to `timeoutMs` for running executions, then cancels the rest and
   * records them. Idempotent.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Ancestors and descendants of a job (`GET /v1/jobs/{name}/graph`). */
  jobGraph(name: string): Promise<JobGraph>;
  /** Number of jobs in the scheduler. */
  scheduledCount(): number;
}

/**
 * How far ahead of its slot a launch is recorded. The store stalls now and then (rqlite's snapshots
 * hold writes for a few hundred ms under load); recording this early keeps those stalls from making
 * runs late, while staying clear of the previous second's slot.
 */
const DEFAULT_LAUNCH_LEAD_MS = 800;

/**
 * Creates the agent of one node and wires its roles: the worker (runs what it is dispatched), the
 * leader's terms (schedule, launches, attempts, follow-up) with their report intake, and the job
 * service, over the cluster port. With the local cluster the dispatcher is this node's worker and
 * the reports go straight to this node's intake.
 */
export function createAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const { logger, store, registry } = options;
  const server = options.server ?? true;
  const defaultTimezone = options.defaultTimezone ?? 'UTC';
  const retain = options.maxExecutionsPerJob ?? DEFAULT_RETAINED_EXECUTIONS;
  const cluster =
    options.cluster ??
    createLocalCluster({
      nodeName: options.nodeName,
      server,
      version: options.version,
      ...(options.tags ? { tags: options.tags } : {}),
      ...(options.datacenter ? { datacenter: options.datacenter } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.rpcPort ? { rpcPort: options.rpcPort } : {}),
    });

  const ledger = createLaunchLedger(store, retain, logger, clock);
  let term: LeaderTerm | undefined;
  let termStarting: Promise<void> | undefined;
  let started = false;
  let stopping: Promise<void> | undefined;
  /** Running records and completions the store refused, retried until it takes them. */
  const unwritten = new UnwrittenRecords({ store, clock, logger, retain, journal: options.journal });
  const intake = createReportIntake({
    ledger,
    logger,
    unwritten,
    onStarted: (job, execution) => notify({ notifier: options.notifier, logger }, 'started', job, execution),
  });
  const worker = createWorker({
    nodeName: cluster.self().Name,
    registry,
    logger,
    clock,
    outputLimit: options.outputLimit ?? DEFAULT_OUTPUT_LIMIT,
    reports: intake,
  });

  function newTerm(): LeaderTerm {
    return createLeaderTerm({
      store,
      registry,
      logger,
      clock,
      cluster,
      dispatcher: worker,
      ledger,
      intake,
      epoch: cluster.epoch(),
      random: options.random ?? Math.random,
      notifier: options.notifier,
      defaultTimezone,
      leadMs: options.launchLeadMs ?? DEFAULT_LAUNCH_LEAD_MS,
      catchupMs: DEFAULT_CATCHUP_MS,
      ...(options.jobSyncMs === undefined ? {} : { jobSyncMs: options.jobSyncMs }),
    });
  }

  /** Starts a term when this node gains leadership, stops it when it loses it. */
  async function onLeadership(leader: boolean): Promise<void> {
    await termStarting;
    if (stopping) return;
    if (!leader) {
      const ending = term;
      term = undefined;
      await ending?.stop();
      return;
    }
    if (term) return;
    // What a previous leader launched and never recorded is lost, before this term plans anything.
    if (server) await recordUnrecordedLaunches(store, cluster.self().Name, clock, logger, retain);
    const next = newTerm();
    await next.start(server);
    term = next;
  }

  const schedule: ScheduleFeed = {
    place: (job) => term?.place(job),
    saved: (job, placement) => (term ? term.saved(job, placement) : 'not-here'),
    deleted: (name) => term?.deleted(name),
    async runNow(job, force) {
      if (!term) throw new DkronError('UNAVAILABLE', 'this node does not lead: it cannot start runs');
      await term.runNow(job, force);
    },
  };
  const jobs = createJobService({ store, registry, logger, defaultTimezone, schedule });

  const agent: Agent = {
    nodeName: options.nodeName,
    version: options.version,

    async start() {
      if (started) return;
      // First what a previous process ran and could not record; then the executions it left running,
      // which cannot be followed any more, are lost (unless the journal knew how they ended).
      const journaled = await unwritten.load();
      if (journaled > 0) {
        logger.info('writing execution records kept by a previous run', { count: journaled });
        await unwritten.flush();
      }
      await markOrphansLost(store, cluster.self().Name, clock, logger, (id) => unwritten.holdsCompletion(id));
      // One change at a time, and a gain already lost again when its turn comes starts no term.
      let changes = Promise.resolve();
      cluster.onLeadershipChange((change) => {
        changes = changes
          .then(() => (change.leader && !cluster.isLeader() ? undefined : onLeadership(change.leader)))
          .catch((err) => logger.error('could not change leadership role', { err: String(err) }));
      });
      termStarting = onLeadership(!server || cluster.isLeader());
      await termStarting;
      started = true;
    },

    stop(opts) {
      stopping ??= (async () => {
        await termStarting;
        const ending = term;
        await ending?.stop();
        await worker.stop(opts?.timeoutMs ?? 60_000);
        await ledger.drain();
        // One last try for what the store refused; what is left stays in the journal.
        await unwritten.flush();
        await unwritten.stop();
      })();
      return stopping;
    },

    scheduledCount: () => term?.scheduledCount ?? 0,

    listJobs: (query: JobQuery): Promise<JobPage> => store.listJobs(query),
    getJob: (name) => store.getJob(name),
    saveJob: (input, saveOptions) => jobs.saveJob(input, saveOptions),
    deleteJob: (name) => jobs.deleteJob(name),
    toggleJob: (name) => jobs.toggleJob(name),
    runJob: (name, runOptions) => jobs.runJob(name, runOptions),
    restore: (input, restoreOptions) => jobs.restore(input, restoreOptions),

    async listExecutions(name, query) {
      const job = await jobs.requireJob(name);
      return { ...(await store.listExecutions(name, query)), timezone: job.timezone };
    },
    getExecution: (job, id) => store.getExecution(job, id),
    deleteExecutions: (job) => store.deleteExecutions(job),

    async cancelExecution(job, id) {
      // A cancelled attempt ends as `cancelled`, which never retries.
      return (
        worker.cancel(job, id, 'execution cancelled by a user') ??
        notCancellable(store, (name) => jobs.requireJob(name), job, id)
      );
    },

    busy: async () => worker.running(),

    async *followExecution(job, id, signal) {
      const local = worker.follow(job, id, signal);
      if (local) {
        yield* local;
        return;
      }
      const execution = await store.getExecution(job, id);
      if (!execution) throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`);
      if (execution.output !== '') yield { type: 'output', chunk: execution.output };
      // Running on another process (or orphaned): nothing more to follow here.
      if (execution.status !== 'running') yield { type: 'done', execution };
    },

    stats: (days: number): Promise<DayStats[]> => store.stats(days, new Date(clock.now())),

    members: async (): Promise<Member[]> => cluster.members(),
    leader: async () => cluster.leader(),
    isLeader: () => cluster.isLeader(),
    async leave() {
      const peers = cluster.members().filter((m) => m.Name !== cluster.self().Name);
      clock.setTimeout(() => options.onLeave?.(), 0);
      return peers;
    },
    info() {
      const self = cluster.self();
      return {
        agent: { name: options.nodeName, version: options.version },
        members: cluster.members().length,
        tags: { ...self.Tags },
      };
    },
    async health(): Promise<AgentHealth> {
      const issues = await healthOf(store, started);
      return { healthy: issues.length === 0, issues, ...(server ? { leader: cluster.isLeader() } : {}) };
    },
    plugins: () => registry.catalog(),

    async jobGraph(name) {
      await jobs.requireJob(name);
      return jobGraph(await store.allJobs(), name);
    },
  };
  return agent;
}

/** Why `id` cannot be cancelled here: `NOT_FOUND`, or `CONFLICT` when it is not running on this node. */
async function notCancellable(
  store: Store,
  requireJob: (name: string) => Promise<unknown>,
  job: string,
  id: string,
): Promise<never> {
  await requireJob(job);
  const stored = await store.getExecution(job, id);
  if (!stored) {
    throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`, {
      details: { job, execution: id },
    });
  }
  const why = stored.status === 'running' ? 'runs on another node' : `is not running (${stored.status})`;
  throw new DkronError('CONFLICT', `execution ${id} of job ${job} ${why}`, {
    details: { job, execution: id, status: stored.status },
  });
}

/** What `GET /health` reports: the scheduler started, the store answering and healthy. */
async function healthOf(store: Store, started: boolean): Promise<string[]> {
  const issues: string[] = [];
  if (!started) issues.push('scheduler not started');
  try {
    await store.listJobs({ start: 0, end: 0 });
    // What a read does not show: a full disk, rows the store cannot read.
    for (const issue of (await store.health?.()) ?? []) issues.push(`store: ${issue}`);
  } catch (err) {
    issues.push(`store unavailable: ${isDkronError(err) ? err.message : String(err)}`);
  }
  return issues;
}
