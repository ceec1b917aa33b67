import { randomUUID } from 'node:crypto';
import {
  completionOf,
  type DayStats,
  type JobRuntimePatch,
  type LaunchIntent,
  type LeaseStore,
  type SaveJobOptions,
  type Store,
  versionConflict,
} from '@dkron-core/kernel';
import { DkronError, type Job, type Logger } from '@dkron-core/plugin-api';
import { DiskState } from './internal/disk-state.js';
import {
  checkRetain,
  recordFinishedStatements,
  startExecutionStatements,
} from './internal/execution-rows.js';
import {
  executionFromRow,
  getExecutionStatement,
  listExecutionsStatements,
  outputLimit,
  runningExecutionsStatement,
} from './internal/execution-sql.js';
import { finishExecutionStatements } from './internal/finish-sql.js';
import { listJobsStatements } from './internal/job-query.js';
import {
  holdsDefinition,
  JOB_COLUMNS,
  jobFromColumns,
  jobFromRow,
  UnreadableJobRow,
  upsertJobStatement,
  versionOf,
} from './internal/job-rows.js';
import { executionTrimEvery, LaggingTrim } from './internal/lagging-trim.js';
import {
  CLEAR_LAUNCHES,
  LAUNCH_LEDGER_RETAIN,
  launchesWithoutExecutionsStatement,
  notOwnedStatement,
  recordLaunchStatements,
  releaseLaunchStatements,
} from './internal/launch-sql.js';
import { rqliteLeases } from './internal/lease-sql.js';
import { patchJobStatements } from './internal/patch-sql.js';
import { migrate } from './internal/schema.js';
import {
  createRqliteClient,
  type RqliteClient,
  type RqliteClientOptions,
  type RqliteCredentials,
  type SqlRow,
  type SqlStatement,
  type TransportKind,
} from './rqlite-client.js';

/** Options of {@link createRqliteStore}. */
export interface RqliteStoreOptions {
  /** rqlite node URL, or a comma-separated list of them (`--rqlite-url a,b,c`). */
  readonly url: string;
  readonly logger?: Logger;
  /** How long one store call may wait for a leader or a reachable node before `UNAVAILABLE`. Default 10 000 ms. */
  readonly deadlineMs?: number;
  /** Something to stop after the connections are closed, e.g. the embedded rqlited this store runs on. */
  readonly owned?: { stop(): Promise<void> };
  /** HTTP stack of the client (see {@link RqliteClientOptions.transport}). Default `rqlite-js`. */
  readonly transport?: TransportKind;
  /** HTTP Basic credentials of the rqlite user (the embedded rqlited's are `EmbeddedRqlite.credentials`). */
  readonly credentials?: RqliteCredentials;
  /**
   * The directory rqlite keeps its data in, when it is on this machine (the embedded rqlited): `health()`
   * reports a full disk when it has less than 1 MiB free.
   */
  readonly dataDir?: string;
}

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const PARENT_NOT_FOUND = 'specified parent job not found';
const HAS_CHILDREN = 'store: could not delete job with dependent jobs, delete children first';
const DAY_MS = 86_400_000;
/** Attempts of a delete whose job keeps changing under it before it answers with a version conflict. */
const MAX_DELETE_ATTEMPTS = 10;

/** Slots recorded between two trims of a job's ledger: the ledger holds 1,000 to 1,500 slots per job. */
const LEDGER_TRIM_EVERY = LAUNCH_LEDGER_RETAIN / 2;

/** The first of each (job, slot) named in `items`: a slot named twice in one batch is one launch. */
function firstOfSlot<T>(items: readonly T[], intent: (item: T) => LaunchIntent): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const i = intent(item);
    const key = `${i.job}\u0000${i.scheduledAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How many times each job is named in `jobs`. */
function countByJob(jobs: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job, (counts.get(job) ?? 0) + 1);
  return counts;
}

const notFound = (job: string) => new DkronError('NOT_FOUND', `job not found: ${job}`, { details: { job } });
const hasChildren = (job: string) => new DkronError('CONFLICT', HAS_CHILDREN, { details: { job } });

/**
 * Connects to rqlite, migrates the schema, and returns the {@link Store} on it.
 * Every write is idempotent, so the client's retries after an unknown outcome are safe.
 */
export async function createRqliteStore(options: RqliteStoreOptions): Promise<Store & LeaseStore> {
  const logger = options.logger ?? noopLogger;
  const disk = new DiskState(logger, options.dataDir);
  const client = disk.watch(
    createRqliteClient({
      url: options.url,
      logger,
      // Every read is linearizable: reads feed writes and scheduling decisions, and a weak read right after
      // an rqlited restart can be hundreds of writes old. On one node it costs what a weak read does
      // (test/bench/read-levels.bench.mjs); in a cluster, a heartbeat round to a quorum.
      level: 'linearizable',
      deadlineMs: options.deadlineMs,
      transport: options.transport,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    }),
  );
  try {
    await migrate(client, logger);
  } catch (error) {
    await client.close();
    throw error;
  }
  // The lease and heartbeat rows (lease-sql.ts) are the only parts of the store the lease cluster uses. They
  // go through a client of their own, whose requests time out well within a lease: a renew stuck on one
  // connection (measured: an HTTP request unanswered for the whole 10 s deadline of the store's client)
  // is retried on another instead of outliving the lease and deposing a healthy leader.
  const leaseClient = createRqliteClient({
    url: options.url,
    logger,
    level: 'linearizable',
    deadlineMs: LEASE_DEADLINE_MS,
    requestTimeoutMs: LEASE_REQUEST_TIMEOUT_MS,
    transport: options.transport,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const store = new RqliteStore(client, options.owned, logger, disk, leaseClient);
  return Object.assign(store, rqliteLeases(leaseClient));
}

/** Deadline of a lease or member-heartbeat call (the kernel's lease lasts 3 s by default). */
export const LEASE_DEADLINE_MS = 3_000;
/** Timeout of one HTTP request of such a call: a stuck one is retried within the lease. */
export const LEASE_REQUEST_TIMEOUT_MS = 1_000;

class RqliteStore implements Store {
  readonly #client: RqliteClient;
  readonly #owned: { stop(): Promise<void> } | undefined;
  /** The lease's own client (closed with the store). */
  readonly #leaseClient: RqliteClient | undefined;
  /** Ledger trims, lagging (see {@link LaggingTrim}). */
  readonly #ledgerTrim = new LaggingTrim();
  /** Execution trims of the launch path, lagging. */
  readonly #executionTrim = new LaggingTrim();
  readonly #logger: Logger;
  /** Jobs whose rows could not be read, with why: skipped by every read, reported by {@link health}. */
  readonly #unreadable = new Map<string, string>();

  readonly #disk: DiskState;

  constructor(
    client: RqliteClient,
    owned: { stop(): Promise<void> } | undefined,
    logger: Logger,
    disk: DiskState,
    leaseClient?: RqliteClient,
  ) {
    this.#client = client;
    this.#leaseClient = leaseClient;
    this.#owned = owned;
    this.#logger = logger;
    this.#disk = disk;
  }

  async #rows(statement: SqlStatement) {
    const [result] = await this.#client.query([statement]);
    return result?.rows ?? [];
  }

  /** The job of a row, or `undefined` (logged once, and reported by {@link health}) when it cannot be read. */
  #job(row: SqlRow): Job | undefined {
    try {
      const job = jobFromRow(row);
      this.#unreadable.delete(job.name);
      return job;
    } catch (error) {
      if (!(error instanceof UnreadableJobRow)) throw error;
      if (!this.#unreadable.has(error.job)) {
        this.#logger.error('skipping a job whose stored row cannot be read; DELETE the job to remove it', {
          job: error.job,
          error: error.message,
        });
      }
      this.#unreadable.set(error.job, error.message);
      return undefined;
    }
  }

  #jobs(rows: readonly SqlRow[]): Job[] {
    return rows.map((row) => this.#job(row)).filter((job) => job !== undefined);
  }

  async getJob(name: string) {
    const [row] = await this.#rows([`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name = ?`, name]);
    return row === undefined ? undefined : this.#job(row);
  }

  async listJobs(query: Parameters<Store['listJobs']>[0]) {
    const [page, count] = await this.#client.query(listJobsStatements(query));
    return {
      jobs: this.#jobs(page?.rows ?? []),
      // The count comes from covering indexes and still includes an unreadable row.
      total: Number(count?.rows[0]?.total ?? 0),
    };
  }

  async allJobs() {
    return this.#jobs(await this.#rows([`SELECT ${JOB_COLUMNS} FROM jobs j ORDER BY j.name`]));
  }

  async readJob(name: string) {
    const [row] = await this.#rows([`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name = ?`, name]);
    const job = row === undefined ? undefined : this.#job(row);
    return row === undefined || job === undefined ? undefined : { job, version: versionOf(row) };
  }

  async saveJob(job: Job, options?: SaveJobOptions) {
    const expected = options?.expectedVersion;
    // Upsert and read back in one round trip: through the Raft log, the read sees the merged row.
    const [upsert, read] = await this.#client.request(
      [upsertJobStatement(job, expected), [`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name = ?`, job.name]],
      { transaction: true },
    );
    const row = read?.rows[0];
    if (upsert?.rowsAffected === 0) {
      const stored = row === undefined ? undefined : versionOf(row);
      if (expected !== undefined && stored !== expected) {
        // A retried request whose first attempt was applied finds its own write: that save succeeded.
        if (row !== undefined && stored === expected + 1 && holdsDefinition(row, job)) return jobFromRow(row);
        throw versionConflict(job.name, expected, stored);
      }
      throw new DkronError('NOT_FOUND', PARENT_NOT_FOUND, {
        details: { job: job.name, field: 'parent_job' },
      });
    }
    if (row === undefined) throw new DkronError('INTERNAL', `job ${job.name} was not stored`);
    return jobFromRow(row);
  }

  async patchJob(name: string, patch: JobRuntimePatch) {
    if (patch.next === undefined && patch.status === undefined && !patch.missedIncrement) return;
    await this.#client.execute(patchJobStatements(name, patch, randomUUID(), Date.now()), {
      transaction: true,
    });
  }

  async deleteJob(name: string) {
    // Compare-and-set on the version read, retried: a save racing the delete orders it before or after
    // itself, never into a false "has dependent jobs".
    let last: Job | undefined;
    let lastVersion = 0;
    for (let attempt = 1; ; attempt++) {
      const [row] = await this.#rows([`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name = ?`, name]);
      if (row === undefined) {
        // Gone after an attempt that deleted nothing: a concurrent delete, or this very delete applied by
        // an attempt whose answer was lost. Either way it is deleted.
        if (last !== undefined) return this.#forget(last);
        throw notFound(name);
      }
      if (attempt > MAX_DELETE_ATTEMPTS) throw versionConflict(name, lastVersion, versionOf(row));
      // An unreadable row can still be deleted: its columns say all the delete needs (name, children).
      const job = this.#job(row) ?? jobFromColumns(row);
      if (job.dependent_jobs !== null) throw hasChildren(name);
      const version = versionOf(row);
      // Guarded in the same transaction by "has no children" (a child saved meanwhile blocks the delete)
      // and by the version read (a save meanwhile makes this attempt delete nothing, and the next decide).
      const guard =
        'NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_job = ?) AND EXISTS (SELECT 1 FROM jobs v WHERE v.name = ? AND v.version = ?)';
      const results = await this.#client.execute(
        [
          [`DELETE FROM executions WHERE job_name = ? AND ${guard}`, name, name, name, version],
          [`DELETE FROM launches WHERE job = ? AND ${guard}`, name, name, name, version],
          [`DELETE FROM jobs WHERE name = ? AND ${guard}`, name, name, name, version],
        ],
        { transaction: true },
      );
      if (results[2]?.rowsAffected !== 0) return this.#forget(job);
      last = job;
      lastVersion = version;
    }
  }

  /** Drops what this store keeps about a deleted job; returns it. */
  #forget(job: Job): Job {
    this.#ledgerTrim.forget(job.name);
    this.#executionTrim.forget(job.name);
    this.#unreadable.delete(job.name);
    return job;
  }

  async recordLaunches(intents: readonly LaunchIntent[]) {
    const unique = firstOfSlot(intents, (i) => i);
    if (unique.length === 0) return [];
    const token = randomUUID();
    const trim = this.#ledgerTrim.due(countByJob(unique.map((i) => i.job)), LEDGER_TRIM_EVERY);
    const [insert] = await this.#client.execute(recordLaunchStatements(unique, Date.now(), token, trim), {
      transaction: true,
    });
    // Each intent affects at most one row: all affected means all owned, the common case.
    return insert?.rowsAffected === unique.length ? unique : this.#notOwnedRemoved(unique, token);
  }

  /** The intents the call with `token` owns, read back (rare: some slot was recorded before). */
  async #notOwnedRemoved(intents: readonly LaunchIntent[], token: string) {
    // Strong: the read must see the write just made, whichever node leads now.
    const [rows] = await this.#client.query([notOwnedStatement(intents, token)], { level: 'strong' });
    const skip = new Set((rows?.rows ?? []).map((r) => Number(r.k)));
    return intents.filter((_, i) => !skip.has(i));
  }

  async releaseLaunches(slots: Parameters<Store['releaseLaunches']>[0]) {
    if (slots.length === 0) return;
    await this.#client.execute(releaseLaunchStatements(slots), { transaction: true });
  }

  async lastLaunches() {
    const rows = await this.#rows(['SELECT job, max(scheduled_at) AS at FROM launches GROUP BY job']);
    return new Map(rows.map((r) => [String(r.job), Number(r.at)]));
  }

  async startExecutions(
    executions: Parameters<Store['startExecutions']>[0],
    retain: number,
    options?: { lagTrim?: boolean },
  ) {
    if (executions.length === 0) return;
    checkRetain(retain);
    // The hot path trims lagging (see LaggingTrim), like `launch`; other callers trim exactly.
    const trimJobs = options?.lagTrim
      ? this.#executionTrim.due(countByJob(executions.map((e) => e.job_name)), executionTrimEvery(retain))
      : undefined;
    await this.#client.execute(startExecutionStatements(executions, retain, trimJobs), { transaction: true });
  }

  async finishExecutions(completions: Parameters<Store['finishExecutions']>[0]) {
    if (completions.length === 0) return;
    await this.#client.execute(finishExecutionStatements(completions), { transaction: true });
  }

  async recordFinishedExecutions(executions: Parameters<Store['startExecutions']>[0], retain: number) {
    if (executions.length === 0) return;
    const trimJobs = this.#executionTrim.due(
      countByJob(executions.map((e) => e.job_name)),
      executionTrimEvery(retain),
    );
    const { insert, trim } = recordFinishedStatements(executions, retain, trimJobs);
    await this.#client.execute(
      [insert, ...finishExecutionStatements(executions.map(completionOf)), ...trim],
      {
        transaction: true,
      },
    );
  }

  async launchesWithoutExecutions(since: number, now: number) {
    const rows = await this.#rows(launchesWithoutExecutionsStatement(since, now));
    return rows.map((r) => ({ job: String(r.job), scheduledAt: Number(r.at), group: Number(r.grp) }));
  }

  async listExecutions(job: string, query: Parameters<Store['listExecutions']>[1]) {
    const [page, count] = await this.#client.query(listExecutionsStatements(job, query));
    const truncation = outputLimit(query.outputSizeLimit) >= 0;
    return {
      executions: (page?.rows ?? []).map((row) => executionFromRow(row, truncation)),
      total: Number(count?.rows[0]?.total ?? 0),
    };
  }

  async getExecution(job: string, id: string) {
    const [row] = await this.#rows(getExecutionStatement(job, id));
    return row === undefined ? undefined : executionFromRow(row);
  }

  async runningExecutions(job?: string) {
    return (await this.#rows(runningExecutionsStatement(job))).map((row) => executionFromRow(row));
  }

  async deleteExecutions(job: string) {
    const [, reset, read] = await this.#client.request(
      [
        ['DELETE FROM executions WHERE job_name = ?', job],
        [
          'UPDATE jobs SET success_count = 0, error_count = 0, last_success = NULL, last_error = NULL WHERE name = ?',
          job,
        ],
        [`SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name = ?`, job],
        // The launches whose executions went are not launches without executions.
        [CLEAR_LAUNCHES, job],
      ],
      { transaction: true },
    );
    const row = read?.rows[0];
    if (reset?.rowsAffected === 0 || row === undefined) throw notFound(job);
    return this.#job(row) ?? jobFromColumns(row);
  }

  async stats(days: number, now: Date): Promise<DayStats[]> {
    const count = Math.max(0, Math.floor(days));
    if (count === 0) return [];
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    const dayList = Array.from({ length: count }, (_, i) => new Date(today - (count - 1 - i) * DAY_MS));
    const key = (d: Date) => d.toISOString().slice(0, 10);
    const rows = await this.#rows([
      'SELECT day, success_count, failed_count FROM stats WHERE day >= ? AND day <= ?',
      key(dayList[0]!),
      key(dayList[dayList.length - 1]!),
    ]);
    const byDay = new Map(rows.map((r) => [String(r.day), r]));
    return dayList.map((d) => {
      const row = byDay.get(key(d));
      return {
        date: `${key(d)}T00:00:00Z`,
        success_count: Number(row?.success_count ?? 0),
        failed_count: Number(row?.failed_count ?? 0),
      };
    });
  }

  async health() {
    const issues = await this.#disk.issues(this.#client, Date.now());
    if (this.#unreadable.size > 0) {
      // Read those rows again: one repaired (saved again) or deleted since is no longer an issue.
      const names = [...this.#unreadable.keys()];
      const rows = await this.#rows([
        `SELECT ${JOB_COLUMNS} FROM jobs j WHERE j.name IN (${names.map(() => '?').join(', ')})`,
        ...names,
      ]);
      const present = new Set(rows.map((r) => String(r.name)));
      for (const name of names) if (!present.has(name)) this.#unreadable.delete(name);
      for (const row of rows) this.#job(row);
      for (const [name, why] of this.#unreadable) {
        issues.push(`${why}; it is skipped (DELETE /v1/jobs/${encodeURIComponent(name)} removes it)`);
      }
    }
    return issues;
  }

  async close() {
    await Promise.all([this.#client.close(), this.#leaseClient?.close()]);
    await this.#owned?.stop();
  }
}
