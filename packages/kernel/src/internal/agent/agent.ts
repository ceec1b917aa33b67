import { isDkronError, type Logger } from '@dkron-core/plugin-api';
import type { AgentApi, AgentHealth, Member } from '../../ports/agent.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Cluster } from '../../ports/cluster.js';
import type { Dispatcher } from '../../ports/dispatcher.js';
import type { ExecutionJournal } from '../../ports/execution-journal.js';
import type { ExecutionReports } from '../../ports/execution-reports.js';
import type { Notifier } from '../../ports/notifier.js';
import type { RemoteRuns } from '../../ports/remote-runs.js';
import type { DayStats, JobPage, JobQuery, Store } from '../../ports/store.js';
import { createLocalCluster } from '../cluster/local-cluster.js';
import { type JobGraph, jobGraph } from '../dag/index.js';
import { DEFAULT_CATCHUP_MS, DEFAULT_OUTPUT_LIMIT, DEFAULT_RETAINED_EXECUTIONS } from '../defaults.js';
import { createJobService, type JobService } from '../jobs/job-service.js';
import { notify } from '../leader/context.js';
import { createLaunchLedger, type LaunchLedger } from '../leader/launch-ledger.js';
import { createLeaderTerm, type LeaderTerm } from '../leader/leader.js';
import { createReportIntake, type ReportIntake } from '../leader/report-intake.js';
import { UnwrittenRecords } from '../leader/unwritten-records.js';
import type { PluginRegistry } from '../plugins/index.js';
import { createWorker, type Worker } from '../worker/worker.js';
import { Leadership } from './leadership.js';
import { markOrphansLost } from './orphans.js';
import { runsView } from './runs-view.js';

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
  /**
   * Wraps this node's worker into the leader's dispatcher (the cluster sends runs of other nodes over
   * the network); default: the worker itself.
   */
  readonly dispatcher?: (local: Dispatcher) => Dispatcher;
  /**
   * Executors that other members (plain agents) provide: a job naming one this node lacks is saved
   * without checking its `executor_config` here (its node checks it when it runs the job).
   */
  readonly remoteExecutors?: () => ReadonlySet<string>;
  /**
   * Runs of other nodes (the cluster's): cancel, follow and `/v1/busy` reach them, and a run-now on a
   * server that does not lead goes through it to the leader. Default none (one node).
   */
  readonly remoteRuns?: RemoteRuns;
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
  /** The leader's report intake: where reports of other nodes' runs go (the cluster feeds it). */
  readonly reports: ExecutionReports;
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
  const roles = wireRoles(options);
  const { clock, store, logger, cluster, worker, unwritten, ledger } = roles;
  const leadership = new Leadership({
    store,
    cluster,
    clock,
    logger,
    retain: roles.retain,
    server: roles.server,
    newTerm: () => newTerm(options, roles),
    ...(options.remoteRuns ? { remoteRuns: options.remoteRuns } : {}),
  });
  const jobs = createJobService({
    store,
    registry: options.registry,
    logger,
    defaultTimezone: roles.defaultTimezone,
    schedule: leadership.feed(),
    ...(options.remoteExecutors ? { remoteExecutors: options.remoteExecutors } : {}),
  });
  let started = false;
  let stopping: Promise<void> | undefined;

  return {
    ...agentFacade(options, roles, jobs, () => started),

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
      await leadership.start();
      started = true;
    },

    stop(opts) {
      stopping ??= (async () => {
        await leadership.stop();
        await worker.stop(opts?.timeoutMs ?? 60_000);
        await ledger.drain();
        // One last try for what the store refused; what is left stays in the journal.
        await unwritten.flush();
        await unwritten.stop();
      })();
      return stopping;
    },

    scheduledCount: () => leadership.term?.scheduledCount ?? 0,
  };
}

/** The roles every node has, wired: cluster, ledger, refused records, report intake, worker, dispatcher. */
interface Roles {
  readonly clock: Clock;
  readonly store: Store;
  readonly logger: Logger;
  readonly server: boolean;
  readonly defaultTimezone: string;
  readonly retain: number;
  readonly cluster: Cluster;
  readonly ledger: LaunchLedger;
  readonly unwritten: UnwrittenRecords;
  readonly intake: ReportIntake;
  readonly worker: Worker;
  readonly dispatcher: Dispatcher;
}

function wireRoles(options: AgentOptions): Roles {
  const clock = options.clock ?? systemClock;
  const { logger, store, registry } = options;
  const server = options.server ?? true;
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
  /** Running records and completions the store refused, retried until it takes them. */
  const unwritten = new UnwrittenRecords({ store, clock, logger, retain, journal: options.journal });
  const intake = createReportIntake({
    ledger,
    logger,
    unwritten,
    onStarted: (job, execution) => notify({ notifier: options.notifier, logger }, 'started', job, execution),
    lookup: (job, id) => store.getExecution(job, id),
  });
  const worker = createWorker({
    nodeName: cluster.self().Name,
    registry,
    logger,
    clock,
    outputLimit: options.outputLimit ?? DEFAULT_OUTPUT_LIMIT,
    reports: intake,
  });
  const dispatcher = options.dispatcher?.(worker) ?? worker;
  const defaultTimezone = options.defaultTimezone ?? 'UTC';
  return {
    clock,
    store,
    logger,
    server,
    defaultTimezone,
    retain,
    cluster,
    ledger,
    unwritten,
    intake,
    worker,
    dispatcher,
  };
}

/** A leadership term over the node's roles. */
function newTerm(options: AgentOptions, roles: Roles): LeaderTerm {
  return createLeaderTerm({
    store: roles.store,
    registry: options.registry,
    logger: roles.logger,
    clock: roles.clock,
    cluster: roles.cluster,
    dispatcher: roles.dispatcher,
    ledger: roles.ledger,
    intake: roles.intake,
    epoch: roles.cluster.epoch(),
    random: options.random ?? Math.random,
    notifier: options.notifier,
    defaultTimezone: roles.defaultTimezone,
    leadMs: options.launchLeadMs ?? DEFAULT_LAUNCH_LEAD_MS,
    catchupMs: DEFAULT_CATCHUP_MS,
    ...(options.jobSyncMs === undefined ? {} : { jobSyncMs: options.jobSyncMs }),
  });
}

/** The API half of the agent: reads from the store, writes through the job service, runs through the worker. */
function agentFacade(
  options: AgentOptions,
  roles: Roles,
  jobs: JobService,
  started: () => boolean,
): Omit<Agent, 'start' | 'stop' | 'scheduledCount'> {
  const { store, worker, cluster, clock, registry } = { ...roles, registry: options.registry };
  return {
    nodeName: options.nodeName,
    version: options.version,
    reports: roles.intake,

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

    ...runsView({
      store,
      worker,
      logger: roles.logger,
      remote: options.remoteRuns,
      requireJob: (name) => jobs.requireJob(name),
    }),

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
      const issues = await healthOf(store, started());
      return {
        healthy: issues.length === 0,
        issues,
        ...(roles.server ? { leader: cluster.isLeader() } : {}),
      };
    },
    plugins: () => registry.catalog(),

    async jobGraph(name) {
      await jobs.requireJob(name);
      return jobGraph(await store.allJobs(), name);
    },
  };
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
