import { DkronError, type Execution, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { Attempts, retryDelay } from './attempts.js';
import { Concurrency } from './concurrency.js';
import { type LeaderContext, logStoreError } from './context.js';
import { followUp } from './follow-up.js';
import { groupId } from './ids.js';
import { startJobSync } from './job-sync.js';
import { LaunchPlanner, nextString } from './launch-planner.js';
import { MissedCounts } from './missed-counts.js';
import { type Placement, ScheduleTable } from './schedule-table.js';
import { Sleeps } from './sleeps.js';

/** Options of {@link createLeaderTerm}: the shared context, minus what the term owns. */
export interface LeaderTermOptions extends Omit<LeaderContext, 'concurrency' | 'stopped' | 'sleep'> {
  readonly defaultTimezone: string;
  readonly leadMs: number;
  readonly catchupMs: number;
  /**
   * How often the term reads the store's job versions to take saves and deletes made through other
   * servers (a cluster); without it only this node's saves reach the schedule.
   */
  readonly jobSyncMs?: number;
}

/**
 * One leadership term: the schedule, the launch planner, attempts and retries, concurrency and the
 * follow-up. Started from the store when this node gains leadership; stopped (its recorded but
 * unstarted launches released) when it loses it or the agent stops.
 */
export interface LeaderTerm {
  /** Loads the jobs and what is running from the store; `schedule` starts the timer wheel. */
  start(schedule: boolean): Promise<void>;
  /** Stops scheduling and pending retries; resolves once the launches being recorded are dealt with. */
  stop(): Promise<void>;
  readonly scheduledCount: number;
  /** Where the schedule would put a job saved now. */
  place(job: Job): Placement;
  /** A job was stored: the schedule takes it (with `placement` when computed for it); its next fire time. */
  saved(job: Job, placement?: Placement): number | undefined;
  /** A job was deleted. */
  deleted(name: string): void;
  /** Runs a job now (`POST /v1/jobs/{name}`); resolves once dispatched. */
  runNow(job: Job, force: boolean): Promise<void>;
}

/** Creates a leadership term of epoch `options.epoch`. */
export function createLeaderTerm(options: LeaderTermOptions): LeaderTerm {
  let stopped = false;
  /** Whether this term schedules (a server's): it is over as soon as the cluster says it no longer leads. */
  let scheduling = false;
  const sleeps = new Sleeps(options.clock);
  const ctx: LeaderContext = {
    ...options,
    concurrency: new Concurrency(),
    // A leader frozen past its lease resumes with timers due (recorded runs, retries) before the
    // leadership change reaches the term: they must find the term over, or it would start runs late.
    stopped: () => stopped || (scheduling && !options.cluster.isLeader()),
    sleep: (ms) => sleeps.sleep(ms),
  };
  /** Jobs that have (or had, this term) children; only their triggers read the job back. */
  const parents = new Set<string>();
  const missed = new MissedCounts((name, count) => ctx.ledger.patch({ name, missed: count }));
  const table = new ScheduleTable({
    clock: ctx.clock,
    logger: ctx.logger,
    defaultTimezone: options.defaultTimezone,
    leadMs: options.leadMs,
    catchupMs: options.catchupMs,
    onDue: (due) => planner.due(due),
  });
  const attempts: Attempts = new Attempts(ctx, (job, ok) => {
    if (!ok || stopped || (!job.ephemeral && !parents.has(job.name))) return;
    void followUp(ctx, job, {
      runnable: (child, at) => planner.runnable(child, at),
      trigger: (child) => attempts.trigger(child, { group: groupId(ctx.clock.now()), scheduledAt: null }),
      untrack: (name) => table.untrack(name),
    });
  });
  const planner = new LaunchPlanner(ctx, table, attempts, missed);
  let stopSync = () => {};

  /** Puts a stored job in the schedule, resuming at its stored `next`; its next fire time. */
  function track(job: Job, lastSlot: number | undefined): string {
    if (job.parent_job !== '') parents.add(job.parent_job);
    const stored = Date.parse(job.next);
    const resumeAt = job.next !== ZERO_TIME && Number.isFinite(stored) ? stored : undefined;
    return nextString(table.track(job, table.place(job, lastSlot, resumeAt)));
  }

  function untrack(name: string): void {
    table.untrack(name);
    planner.forget(name);
    ctx.concurrency.cancelTriggers(name);
    missed.forget(name);
  }

  return {
    async start(schedule) {
      scheduling = schedule;
      stopSync = await loadTerm(
        { ctx, options, table, attempts, parents, track, untrack },
        schedule,
        () => stopped,
      );
      ctx.logger.info('scheduler started', { jobs: table.size, epoch: ctx.epoch });
    },

    async stop() {
      stopped = true;
      stopSync();
      table.stop();
      sleeps.end();
      await planner.stop();
      await ctx.ledger.flushStarts();
    },

    get scheduledCount() {
      return table.size;
    },

    place: (job) => table.place(job, undefined),

    saved(job, placement) {
      if (job.parent_job !== '') parents.add(job.parent_job);
      return table.track(job, placement ?? table.place(job, undefined));
    },

    deleted: untrack,

    async runNow(job, force) {
      if (job.concurrency === 'forbid' && !force && ctx.concurrency.inProgress(job.name)) {
        throw new DkronError(
          'CONFLICT',
          `job ${job.name} is running and its concurrency is forbid (use ?force=true)`,
          {
            details: { job: job.name },
          },
        );
      }
      await attempts.trigger(job, { group: groupId(ctx.clock.now()), scheduledAt: null });
    },
  };
}

/** What {@link loadTerm} works on: the term's parts. */
interface TermParts {
  readonly ctx: LeaderContext;
  readonly options: LeaderTermOptions;
  readonly table: ScheduleTable;
  readonly attempts: Attempts;
  readonly parents: Set<string>;
  /** Puts a stored job in the schedule; its next fire time as stored text. */
  readonly track: (job: Job, lastSlot: number | undefined) => string;
  readonly untrack: (name: string) => void;
}

/**
 * Starts a term from the store: every job in the schedule (from its last launched slot), the runs still
 * going resumed, the timer wheel started when `schedule`, and the job sync (servers sharing a store)
 * when asked. Returns what stops the sync.
 */
async function loadTerm(t: TermParts, schedule: boolean, stopped: () => boolean): Promise<() => void> {
  const { ctx, options, table, parents } = t;
  // Versions first: a save between this read and the jobs' is then seen by the first sync.
  const syncing = options.jobSyncMs !== undefined && ctx.store.jobVersions !== undefined;
  const versions = syncing ? await ctx.store.jobVersions!() : new Map<string, number>();
  const [jobs, lastSlots, running] = await Promise.all([
    ctx.store.allJobs(),
    ctx.store.lastLaunches(),
    ctx.store.runningExecutions(),
  ]);
  const nextPatches: { name: string; next: string }[] = [];
  for (const job of jobs) if (job.parent_job !== '') parents.add(job.parent_job);
  const track = (job: Job, lastSlot: number | undefined): string | undefined => {
    try {
      return t.track(job, lastSlot);
    } catch (err) {
      ctx.logger.error('cannot schedule job', { job: job.name, err: String(err) });
      return undefined;
    }
  };
  for (const job of jobs) {
    const next = track(job, lastSlots.get(job.name));
    if (next !== undefined && job.parent_job === '' && job.next !== next)
      nextPatches.push({ name: job.name, next });
  }
  // Runs still going when the term starts count for `forbid` before the first tick.
  void resume(ctx, t.attempts, jobs, running, options.catchupMs).catch((err) =>
    ctx.logger.error('could not resume', { err: String(err) }),
  );
  if (schedule) table.start();
  let stopSync = () => {};
  if (syncing && !stopped()) {
    stopSync = startJobSync({
      store: ctx.store,
      clock: ctx.clock,
      logger: ctx.logger,
      everyMs: options.jobSyncMs!,
      initial: versions,
      changed: (job) => void track(job, undefined),
      deleted: t.untrack,
    });
  }
  // `next` is served from these writes; scheduling does not wait for them.
  for (const p of nextPatches) void ctx.ledger.patch(p).catch(logStoreError(ctx));
  return stopSync;
}

/** Carries on what the previous term left: runs still going elsewhere, retries not made. */
async function resume(
  ctx: LeaderContext,
  attempts: Attempts,
  jobs: readonly Job[],
  running: readonly Execution[],
  catchupMs: number,
): Promise<void> {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const resumed = new Set<string>();
  for (const execution of running) {
    const job = byName.get(execution.job_name);
    if (!job) continue;
    resumed.add(job.name);
    attempts.resume(job, execution);
  }
  for (const job of jobs) {
    if (job.retries === 0 || job.disabled || resumed.has(job.name) || ctx.stopped()) continue;
    const last = await ctx.store
      .listExecutions(job.name, { sort: 'started_at', order: 'DESC', end: 1 })
      .then((page) => page.executions[0])
      .catch(() => undefined);
    if (last?.status !== 'failed' || last.attempt >= job.retries + 1) continue;
    const finishedAt = Date.parse(last.finished_at);
    const dueAt = finishedAt + retryDelay(job, last.attempt, finishedAt - Date.parse(last.started_at));
    // A retry due longer ago than the catch-up window is missed, as a slot would be.
    if (dueAt < ctx.clock.now() - catchupMs || ctx.concurrency.inProgress(job.name)) continue;
    ctx.logger.info('resuming the retries of a failed execution', { job: job.name, attempt: last.attempt });
    attempts.resume(job, last);
  }
}
