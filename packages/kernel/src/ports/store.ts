/**
 * The Store port: everything the kernel persists. The kernel depends on this interface only;
 * `@dkron-core/store-rqlite` implements it on rqlite and `createMemoryStore` in memory (tests, dev).
 *
 * Every write is idempotent, so a caller may retry a write whose outcome is unknown.
 */

import type { Execution, ExecutionStatus, Job, JobStatus } from '@dkron-core/plugin-api';
import type { Member } from './agent.js';

/** Sortable job fields (Dkron's store indexes; `id` maps to `name`). */
export type JobSortField =
  | 'name'
  | 'displayname'
  | 'schedule'
  | 'success_count'
  | 'error_count'
  | 'last_success'
  | 'last_error'
  | 'next';

/** Filters, sort and slice of `GET /v1/jobs`, executed by the store (in SQL), never in memory. */
export interface JobQuery {
  /** Case-sensitive substring of `name` or `displayname`. */
  readonly q?: string;
  /** Exact status; `''` selects jobs that never ran (Dkron's `untriggered`). */
  readonly status?: JobStatus;
  readonly disabled?: boolean;
  /** dkron-core: exact executor name (`shell`, `http`, …). */
  readonly executor?: string;
  /** Every pair must be present in the job's metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Default `name`. */
  readonly sort?: JobSortField;
  /** Default `ASC`. */
  readonly order?: 'ASC' | 'DESC';
  /** First index (0-based, inclusive). Default 0. */
  readonly start?: number;
  /** End index (exclusive). Default: all. */
  readonly end?: number;
}

/** One page of jobs and the count before slicing (`X-Total-Count`). */
export interface JobPage {
  readonly jobs: Job[];
  readonly total: number;
}

/** Sortable execution fields. */
export type ExecutionSortField = 'started_at' | 'finished_at' | 'attempt';

/** Query of a job's executions. */
export interface ExecutionQuery {
  /** Default `started_at`. */
  readonly sort?: ExecutionSortField;
  /** Default `DESC`. */
  readonly order?: 'ASC' | 'DESC';
  readonly start?: number;
  readonly end?: number;
  /** Keep only the last N bytes of each output and set `output_truncated`. */
  readonly outputSizeLimit?: number;
  /**
   * Only the newest `retain` executions by `started_at` (then id) exist for this query: the ones a trim
   * to `retain` keeps. Sorting, slicing and `total` apply to those, so a list never shows more than the
   * retention while a lagging trim has not caught up.
   */
  readonly retain?: number;
}

/**
 * A launch intent: the ledger row that makes a (job, scheduled time) slot run at most once.
 * Written before the execution starts.
 */
export interface LaunchIntent {
  readonly job: string;
  /** Scheduled slot in ms since the epoch. */
  readonly scheduledAt: number;
  /** The trigger group (ns timestamp) of the executions this launch creates. */
  readonly group: number;
  /** Leader epoch that wrote the intent (fencing). */
  readonly epoch: number;
  /** The job's `next` after this slot (ms), written in the same batch; `null` when it never fires again. */
  readonly next: number | null;
}

/** One recorded launch: a job's slot (epoch ms). */
export interface LaunchSlot {
  readonly job: string;
  readonly scheduledAt: number;
}

/** The changes that close an execution. Applying the same completion twice changes nothing. */
export interface ExecutionCompletion {
  readonly jobName: string;
  readonly executionId: string;
  readonly status: Exclude<ExecutionStatus, 'running'>;
  readonly finishedAt: string;
  /** Final (already capped, processed) output. */
  readonly output: string;
  /**
   * The node's own report of how the run ended: it also closes an execution recorded `lost` (its node
   * was thought gone, and reported after all), in place of that record, counted once. Default false.
   */
  readonly replacesLost?: boolean;
}

/** The completion that closes `execution` as it ended (its status, `finished_at` and output). */
export function completionOf(execution: Execution): ExecutionCompletion {
  return {
    jobName: execution.job_name,
    executionId: execution.id,
    status: execution.status as ExecutionCompletion['status'],
    finishedAt: execution.finished_at,
    output: execution.output,
  };
}

/** Per-day execution counters (`GET /v1/stats`). */
export interface DayStats {
  /** UTC midnight, RFC 3339. */
  readonly date: string;
  readonly success_count: number;
  readonly failed_count: number;
}

/** Fields of a job the kernel updates at run time (never from API input). */
export interface JobRuntimePatch {
  /** RFC 3339, or Dkron's zero time. */
  readonly next?: string;
  readonly status?: JobStatus;
  readonly missedIncrement?: number;
}

/**
 * A stored job and its definition revision. The version is 1 when the job is created and grows by one with
 * every {@link Store.saveJob}; run-time writes (next, status, counters, launches) leave it alone.
 */
export interface VersionedJob {
  readonly job: Job;
  readonly version: number;
}

/** Options of {@link Store.saveJob}. */
export interface SaveJobOptions {
  /**
   * Compare-and-set: save only if the stored job is at this version (`0`: only if no such job exists).
   * Otherwise nothing is written and the save rejects with a version conflict
   * (`CONFLICT`, `details.reason: 'version'`, see `isVersionConflict`).
   */
  readonly expectedVersion?: number;
}

/**
 * The scheduling lease (DESIGN.md §4): the one row that says which server leads, in which epoch (the
 * fencing token every launch intent carries), until when.
 */
export interface Lease {
  readonly holder: string;
  /** Grows by at least one on every acquisition: a new term never shares an epoch with an older one. */
  readonly epoch: number;
  /** Epoch ms, on the clock of the server that acquired or renewed it, after which the lease is free. */
  readonly expiresAt: number;
}

/** A server as it registered itself in the store: its member record and its last heartbeat. */
export interface RegisteredMember {
  readonly member: Member;
  /** Epoch ms of the last heartbeat (the member's own clock). */
  readonly lastSeen: number;
  /** It left gracefully (`leaveMember`). */
  readonly left: boolean;
}

/**
 * What servers sharing one store need to elect a fenced leader and to see each other. Optional on
 * {@link Store} (a third-party store may lack it; then only the single-node cluster can run on it).
 * Each call is one conditional write or one read, and safe to retry after an unknown outcome.
 */
export interface LeaseStore {
  /** The lease as stored, or `undefined` when no server ever held it. Linearizable. */
  readLease(): Promise<Lease | undefined>;
  /**
   * Takes the lease for `holder` until `now + ttlMs` when it is free (never held, expired at `now`) or
   * already held by `holder`; each such take grows the epoch. Returns the lease after the call: held by
   * `holder` when it was taken, else by the live holder (nothing written).
   */
  acquireLease(holder: string, ttlMs: number, now: number): Promise<Lease>;
  /**
   * Extends the lease to `now + ttlMs` if `holder` still holds it at `epoch` (nobody took it since);
   * `undefined` when it does not. Never shortens it.
   */
  renewLease(holder: string, epoch: number, ttlMs: number, now: number): Promise<Lease | undefined>;
  /** Frees the lease if `holder` holds it at `epoch` (a graceful stop), so another server takes it at once. */
  releaseLease(holder: string, epoch: number): Promise<void>;
  /** Registers `member` (or refreshes it) as seen at `now`; clears a previous leave. */
  heartbeatMember(member: Member, now: number): Promise<void>;
  /** Marks a member as left (a graceful stop); no-op for an unknown name. */
  leaveMember(name: string, now: number): Promise<void>;
  /** Every registered member, by name. */
  listMembers(): Promise<RegisteredMember[]>;
  /**
   * Each job's definition version (see {@link VersionedJob}), for a leader to notice saves, toggles and
   * deletes made through other servers: one small read of every job's name and version.
   */
  jobVersions(): Promise<Map<string, number>>;
}

/** The persistence port. */
export interface Store extends Partial<LeaseStore> {
  /** Stored job (with `dependent_jobs` derived from its children), or `undefined`. */
  getJob(name: string): Promise<Job | undefined>;
  /**
   * The stored job with its version, read linearizably (it sees every write acknowledged before the call):
   * the read of a read-modify-write, whose save passes the version as `expectedVersion`.
   */
  readJob(name: string): Promise<VersionedJob | undefined>;
  /** Filtered, sorted, sliced jobs, done by the store. */
  listJobs(query: JobQuery): Promise<JobPage>;
  /** Every job; the scheduler loads them at start. */
  allJobs(): Promise<Job[]>;
  /**
   * Creates or replaces a job with Dkron's merge rules applied atomically against the stored row:
   * counters keep the larger value, `last_success`/`last_error` the later one, a non-empty stored
   * `status` is kept, `dependent_jobs` is derived from children, `missed_count` is kept.
   * Rejects with `NOT_FOUND` (`specified parent job not found`) when `parent_job` does not exist, and with
   * a version conflict when `options.expectedVersion` is given and differs from the stored version.
   * Bumps the job's version. Returns the stored job.
   */
  saveJob(job: Job, options?: SaveJobOptions): Promise<Job>;
  /** Applies run-time changes (next, status, missed count). No-op for a missing job. */
  patchJob(name: string, patch: JobRuntimePatch): Promise<void>;
  /**
   * Deletes a job and its executions; `NOT_FOUND` if missing, `CONFLICT`
   * (`store: could not delete job with dependent jobs, delete children first`) if it has children.
   * A save racing the delete never makes it answer `CONFLICT` for a childless job: the delete is ordered
   * before or after the save.
   */
  deleteJob(name: string): Promise<Job>;

  /**
   * Records launch intents in one batch with `INSERT OR IGNORE` on (job, scheduledAt), and updates each
   * job's `next`. Returns the intents this call inserted; only those may be dispatched.
   */
  recordLaunches(intents: readonly LaunchIntent[]): Promise<LaunchIntent[]>;
  /** The latest recorded slot (ms) of every job that has one (one query; used at start and failover). */
  lastLaunches(): Promise<Map<string, number>>;
  /**
   * Takes back launches that were recorded but never started (a graceful stop inside the launch lead):
   * their ledger rows go, and each job's `next` moves back to its earliest released slot, so the next
   * scheduler to start treats those slots as not yet run (and catches up within the job's window).
   * Idempotent; unknown jobs and slots are ignored.
   */
  releaseLaunches(launches: readonly LaunchSlot[]): Promise<void>;

  /**
   * Stores running executions in one batch (idempotent on id), trims each job's history to
   * `retain` executions (oldest by `started_at` first), and sets the job's `status` to `running`
   * while one of its executions runs. With `lagTrim` (the scheduled hot path) the trim may lag by a
   * few executions per job.
   */
  startExecutions(
    executions: readonly Execution[],
    retain: number,
    options?: { lagTrim?: boolean },
  ): Promise<void>;
  /**
   * Closes executions in one batch. Each completion that moves an execution out of `running` bumps the
   * job's counters, `last_success`/`last_error`, its `status` (from the latest attempt of every node in
   * the group) and the day's stats exactly once; repeated completions are ignored. A completion with
   * `replacesLost` (and a status other than `lost`) also replaces an execution recorded `lost`: the lost
   * outcome is taken out of the counters and stats, and the reported one counted instead.
   */
  finishExecutions(completions: readonly ExecutionCompletion[]): Promise<void>;
  /**
   * Records executions that ended before their running record was written, in one batch: each is stored
   * as it ended (a running row of the same id, written meanwhile, is closed instead) and counted exactly
   * like {@link Store.finishExecutions} counts a completion; each job's history is trimmed to `retain`
   * (the trim may lag by a few executions per job). Idempotent: a repeated record changes nothing.
   * Optional: without it, the kernel writes the running record, then the completion.
   */
  recordFinishedExecutions?(executions: readonly Execution[], retain: number): Promise<void>;
  /**
   * Launches whose slot is at most `now` and at least `since` (ms) of which no execution was recorded: the
   * run of each came after its job's newest recorded execution (by trigger group) and has none in its
   * group. A server that stopped between a launch and its running record finds them at start. Optional.
   */
  launchesWithoutExecutions?(
    since: number,
    now: number,
  ): Promise<(LaunchSlot & { readonly group: number })[]>;
  /** A job's executions (with `output_truncated` when `outputSizeLimit` is set) and their count. */
  listExecutions(job: string, query: ExecutionQuery): Promise<{ executions: Execution[]; total: number }>;
  getExecution(job: string, id: string): Promise<Execution | undefined>;
  /** Executions still `running` (all jobs, or one). */
  runningExecutions(job?: string): Promise<Execution[]>;
  /**
   * Deletes a job's executions and resets `success_count`, `error_count`, `last_success`,
   * `last_error` (status and stats are kept). `NOT_FOUND` for a missing job. Returns the job.
   */
  deleteExecutions(job: string): Promise<Job>;

  /** Per-day counters for the last `days` days (oldest first, zero-filled, ending today UTC). */
  stats(days: number, now: Date): Promise<DayStats[]>;

  /**
   * What is wrong with the store that reads alone do not show (a full disk, rows it cannot read), one
   * sentence each; empty when nothing is. Optional: a store without such states leaves it out.
   */
  health?(): Promise<readonly string[]>;

  /** Releases connections (and stops an embedded store process). */
  close(): Promise<void>;
}
