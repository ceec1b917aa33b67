import {
  DkronError,
  type Execution,
  isDkronError,
  type Job,
  type Logger,
  ZERO_TIME,
} from '@dkron-core/plugin-api';
import { DateTime } from 'luxon';
import type { AgentApi, AgentHealth, Member, RestoreResult, RunOptions } from '../../ports/agent.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { ExecutionJournal } from '../../ports/execution-journal.js';
import type { Notifier } from '../../ports/notifier.js';
import type {
  DayStats,
  ExecutionCompletion,
  ExecutionQuery,
  JobPage,
  JobQuery,
  LaunchIntent,
  Store,
} from '../../ports/store.js';
import { type JobGraph, jobGraph, restoreOrder } from '../dag/index.js';
import { toJob, updateJobConditionally, validateJob } from '../job/index.js';
import type { PluginRegistry } from '../plugins/index.js';
import { type PreparedExecution, prepareExecution } from '../runner/index.js';
import { parseGoDuration, parseSchedule, type Schedule } from '../schedule/index.js';
import { selectTargets } from '../tags/index.js';
import { Batcher } from './batcher.js';
import { executionId, groupId, rfc3339, timeTextCache } from './ids.js';
import { type ClusterView, createLocalCluster } from './local-cluster.js';
import { MissedCounts } from './missed-counts.js';
import { type DueSlot, LATE_TOLERANCE_MS, Scheduler } from './scheduler.js';
import { TailBuffer } from './tail-buffer.js';
import { UnresolvedLaunches } from './unresolved-launches.js';
import { UnwrittenRecords } from './unwritten-records.js';

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
  readonly cluster?: ClusterView;
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

type FollowEvent = { type: 'output'; chunk: string } | { type: 'done'; execution: Execution };

/** A run made ready before it starts: executor resolved, config parsed, signal created. */
interface ReadyRun {
  readonly job: Job;
  readonly output: TailBuffer;
  readonly listeners: Set<(event: FollowEvent) => void>;
  readonly prepared: PreparedExecution;
}

interface ActiveRun extends ReadyRun {
  execution: Execution;
  /** The write of the running record; the completion is written after it. */
  readonly recorded: Promise<void>;
  done: Promise<void>;
}

interface Trigger {
  readonly group: number;
  readonly scheduledAt: number | null;
}

/** A scheduled trigger whose launch is recorded, waiting for its slot. */
interface ScheduledTrigger {
  readonly job: Job;
  readonly t: Trigger;
  readonly nodes: readonly string[];
  /** One per node, made ready ahead; absent for `replace`, which cancels the running one first. */
  readonly readies: readonly ReadyRun[] | undefined;
  /** Filled when the executors are called. */
  readonly executions: Execution[];
}

/** Where {@link createAgent}'s scheduler puts a job: see `place`. */
interface Placement {
  readonly anchor: number;
  /** Absent when the job is not scheduled. */
  readonly entry?: { readonly schedule: Schedule; readonly windowMs: number; readonly from: number };
}

/** One trigger of a job on this node; `cancelled` stops its pending retries. */
interface TriggerState {
  cancelled: boolean;
}

const DEFAULT_CATCHUP_MS = 60_000;
const SETTLED = Promise.resolve();
/**
 * How far ahead of its slot a launch is recorded. The store stalls now and then (rqlite's snapshots
 * hold writes for a few hundred ms under load); recording this early keeps those stalls from making
 * runs late, while staying clear of the previous second's slot.
 */
const DEFAULT_LAUNCH_LEAD_MS = 800;
const MAX_RETRY_DELAY_MS = 3_600_000;
const PATCH_CONCURRENCY = 16;

/** Creates the agent of one node: job service, scheduler and local runner over the given ports. */
export function createAgent(options: AgentOptions): Agent {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const store = options.store;
  const registry = options.registry;
  const server = options.server ?? true;
  const defaultTimezone = options.defaultTimezone ?? 'UTC';
  const retain = options.maxExecutionsPerJob ?? 100;
  const outputLimit = options.outputLimit ?? 256_000;
  const random = options.random ?? Math.random;
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

  const active = new Map<string, ActiveRun>();
  /** Jobs the scheduler knows, with the schedule it runs and the phase anchor of `@every`. */
  const known = new Map<string, { job: Job; schedule: Schedule; anchor: number }>();
  const anchors = new Map<string, { schedule: string; timezone: string; anchor: number }>();
  /** Jobs that have (or had, since start) children; only their triggers read the job back. */
  const parents = new Set<string>();
  /**
   * Triggers in progress per job, from their first attempt to their final result (waits between
   * retries included): `forbid` counts them and `replace` cancels them.
   */
  const triggers = new Map<string, Set<TriggerState>>();
  let started = false;
  let stopping: Promise<void> | undefined;
  /** Ticks still recording their launches; stop waits for them. */
  const dueInFlight = new Set<Promise<void>>();
  /** Slots whose launches are recorded and whose runs have not started yet. */
  const waiting = new Set<ScheduledTrigger[]>();
  // Runs of one slot share their start and slot times: format each once.
  const startedText = timeTextCache();
  const slotText = timeTextCache();
  const epoch = 1;

  const launches = new Batcher<LaunchIntent, boolean>(async (intents) => {
    const inserted = new Set((await store.recordLaunches(intents)).map((i) => launchKey(i)));
    return intents.map((i) => inserted.has(launchKey(i)));
  });
  /** Running records of scheduled runs: written while they run, their ledger rows already are. */
  const scheduledStarts = new Batcher<Execution>(async (items) => {
    await store.startExecutions(items, retain, { lagTrim: true });
    return undefined;
  });
  const starts = new Batcher<Execution>(async (items) => {
    await store.startExecutions(items, retain);
    return undefined;
  });
  const completions = new Batcher<ExecutionCompletion>(async (items) => {
    await store.finishExecutions(items);
    return undefined;
  });
  const patches = new Batcher<{ name: string; next?: string; missed?: number }>(async (items) => {
    // Patches are rare on the hot path but come all at once at start; a few in flight keep start fast.
    for (let i = 0; i < items.length; i += PATCH_CONCURRENCY) {
      await Promise.all(
        items.slice(i, i + PATCH_CONCURRENCY).map((p) =>
          store.patchJob(p.name, {
            ...(p.next === undefined ? {} : { next: p.next }),
            ...(p.missed ? { missedIncrement: p.missed } : {}),
          }),
        ),
      );
    }
    return undefined;
  });

  /** The latest slot handed to the launch ledger per job: an older launch recorded late is superseded. */
  const latestPlanned = new Map<string, number>();

  /** Running records and completions the store refused, retried until it takes them. */
  const unwritten = new UnwrittenRecords({ store, clock, logger, retain, journal: options.journal });

  /** Launches whose write failed with an unknown outcome: their rows are taken back when the store answers. */
  const unresolved = new UnresolvedLaunches({
    store,
    clock,
    logger,
    onReleased: (jobs) => {
      // The store takes writes again: the missed slots count now. A release moves `next` back to the
      // released slot: put the scheduler's next fire time back.
      missedCounts.flush(jobs);
      for (const name of jobs)
        if (known.has(name))
          void patches.add({ name, next: nextString(scheduler.nextOf(name)) }).catch(logStoreError);
    },
  });

  /** Slots skipped because the store refused their launch, counted once it takes writes again. */
  const missedCounts = new MissedCounts((name, missed) => patches.add({ name, missed }));

  const scheduler = new Scheduler({
    clock,
    logger,
    leadMs: options.launchLeadMs ?? DEFAULT_LAUNCH_LEAD_MS,
    onDue: (due) => {
      const handled = onDue(due);
      dueInFlight.add(handled);
      void handled.finally(() => dueInFlight.delete(handled));
    },
  });

  function scheduleOf(job: Job, anchor?: number): Schedule {
    return parseSchedule(job.schedule, {
      timezone: job.timezone,
      defaultTimezone,
      jobName: job.name,
      ...(anchor === undefined ? {} : { anchor }),
    });
  }

  function catchupWindowMs(job: Job, schedule: Schedule): number {
    if (schedule.kind === 'after' && schedule.graceMs !== undefined) return schedule.graceMs;
    if (job.catchup_window === '') return DEFAULT_CATCHUP_MS;
    try {
      return parseGoDuration(job.catchup_window);
    } catch {
      return DEFAULT_CATCHUP_MS;
    }
  }

  /**
   * The phase anchor of a job's `@every`: the last launched slot when known, else the anchor already
   * recorded for the same schedule (kept while the job is disabled), else the first time we saw it.
   */
  function anchorFor(job: Job, lastSlot: number | undefined): number {
    const recorded = anchors.get(job.name);
    const same = recorded?.schedule === job.schedule && recorded.timezone === job.timezone;
    return lastSlot ?? (same && recorded ? recorded.anchor : Math.floor(clock.now() / 1000) * 1000);
  }

  /**
   * Where a job goes in the scheduler, computed without changing anything: its `@every` anchor and,
   * unless it is not scheduled (disabled, a child, no schedule), its schedule and the time its first
   * slot comes strictly after. At start, `resume` is the job's stored `next`: the first slot the
   * previous process had not dealt with (slots it skipped under `forbid` are not in the ledger but
   * are behind `next`).
   */
  function place(job: Job, lastSlot: number | undefined, resume?: number): Placement {
    let anchor = anchorFor(job, lastSlot ?? resume);
    if (job.disabled || job.parent_job !== '' || job.schedule.trim() === '') return { anchor };
    const previous = known.get(job.name);
    const now = clock.now();
    const sameSchedule =
      previous !== undefined &&
      previous.job.schedule === job.schedule &&
      previous.job.timezone === job.timezone;
    let schedule = scheduleOf(job, anchor);
    if (lastSlot === undefined && resume !== undefined && anchor === resume && schedule.intervalMs) {
      // `@every` slots come one interval after their anchor; a `next` that never ran is itself a slot.
      anchor = resume - schedule.intervalMs;
      schedule = scheduleOf(job, anchor);
    }
    let from = lastSlot ?? now;
    if (resume !== undefined) from = lastSlot === undefined ? resume - 1 : Math.max(lastSlot, resume - 1);
    if (lastSlot === undefined && schedule.kind === 'after' && schedule.at) from = schedule.at.getTime() - 1;
    if (sameSchedule && previous) from = Math.max(from, now);
    const startsAt = job.starts_at ? Date.parse(job.starts_at) : undefined;
    if (startsAt !== undefined && startsAt > from) from = startsAt - 1;
    return { anchor, entry: { schedule, windowMs: catchupWindowMs(job, schedule), from } };
  }

  /** The first slot of a placement, as {@link track} will schedule it. */
  function firstSlot(placement: Placement): number | undefined {
    return placement.entry?.schedule.next(placement.entry.from)?.getTime();
  }

  /** Puts a job in the scheduler (or takes it out) where {@link place} says; returns its next fire time. */
  function track(
    job: Job,
    lastSlot: number | undefined,
    resume?: number,
    placement: Placement = place(job, lastSlot, resume),
  ): number | undefined {
    const { anchor, entry } = placement;
    anchors.set(job.name, { schedule: job.schedule, timezone: job.timezone, anchor });
    if (!entry) {
      known.delete(job.name);
      scheduler.remove(job.name);
      return undefined;
    }
    known.set(job.name, { job, schedule: entry.schedule, anchor });
    return scheduler.set(job.name, entry.schedule, entry.windowMs, entry.from);
  }

  /** Forgets everything about a deleted job. */
  function untrack(name: string): void {
    known.delete(name);
    latestPlanned.delete(name);
    anchors.delete(name);
    scheduler.remove(name);
  }

  function nextString(ms: number | undefined): string {
    return ms === undefined ? ZERO_TIME : rfc3339(ms);
  }

  // ---- scheduled launches ----------------------------------------------------------------

  async function onDue(due: DueSlot[]): Promise<void> {
    const now = clock.now();
    const items: { job: Job; t: Trigger; nodes: string[]; intent: LaunchIntent }[] = [];
    for (const d of due) {
      const entry = known.get(d.name);
      if (!entry) continue;
      const { job } = entry;
      if (d.slot === undefined || !runnable(job, d.slot)) {
        void patches.add({ name: d.name, next: nextString(d.next), missed: d.missed }).catch(logStoreError);
        if (d.missed > 0) {
          logger.warn('missed scheduled runs', { job: d.name, missed: d.missed });
          void registry.emit('schedule:missed', { job, count: d.missed, reason: 'late' });
        }
        if (d.slot !== undefined && job.concurrency === 'forbid' && inProgress(job.name)) {
          void registry.emit('schedule:missed', { job, count: 1, reason: 'forbid' });
        }
        continue;
      }
      if (d.missed > 0) {
        void registry.emit('schedule:missed', { job, count: d.missed, reason: 'late' });
        logger.warn('ran the latest missed slot, older ones are counted as missed', {
          job: d.name,
          missed: d.missed,
        });
        void patches.add({ name: d.name, missed: d.missed }).catch(logStoreError);
      }
      const t: Trigger = { group: groupId(d.slot), scheduledAt: d.slot };
      const nodes = localTargets(job);
      if (nodes.length === 0) {
        logger.warn('no target nodes found to run job', { job: job.name });
        void patches.add({ name: d.name, next: nextString(d.next) }).catch(logStoreError);
        continue;
      }
      latestPlanned.set(job.name, Math.max(latestPlanned.get(job.name) ?? d.slot, d.slot));
      items.push({
        job,
        t,
        nodes,
        intent: { job: job.name, scheduledAt: d.slot, group: t.group, epoch, next: d.next ?? null },
      });
    }
    if (items.length === 0) return;
    let inserted: boolean[];
    try {
      // The ledger rows are written before anything runs; the running records follow, in parallel.
      inserted = await Promise.all(items.map((i) => launches.add(i.intent)));
      for (const [i, { job, t }] of items.entries())
        if (inserted[i] && staleLaunch(job, t.scheduledAt as number)) inserted[i] = false;
      missedCounts.flush(items.map((i) => i.job.name));
      let earliest = Number.POSITIVE_INFINITY;
      for (const i of items) earliest = Math.min(earliest, i.t.scheduledAt as number);
      const writtenLate = clock.now() - Math.max(earliest, now);
      if (writtenLate > 0 && earliest >= now) {
        logger.warn('launch records were written after their slot; runs start late', {
          count: items.length,
          lateMs: writtenLate,
          writeMs: clock.now() - now,
        });
      }
    } catch (err) {
      // Fail closed: a launch that is not recorded does not run; it counts as missed (reason `store`).
      // The outcome is unknown (a timeout may still land): the rows are taken back once the store answers.
      logger.error('could not record launches; skipping them', { err: String(err), count: items.length });
      for (const i of items) {
        missedCounts.add(i.job.name, 1);
        void registry.emit('schedule:missed', { job: i.job, count: 1, reason: 'store' });
      }
      unresolved.add(items.map((i) => ({ job: i.job.name, scheduledAt: i.t.scheduledAt as number })));
      return;
    }
    // Runs recorded ahead of their slot start at the slot: one timer per slot, not per job. Everything
    // a run needs is made ready now, so that starting thousands on one slot costs little more than
    // the executor calls.
    const bySlot = new Map<number, ScheduledTrigger[]>();
    for (const [i, { job, t, nodes }] of items.entries()) {
      if (!inserted[i]) continue;
      const slot = t.scheduledAt as number;
      const lateness = now - slot;
      if (lateness > 1000) logger.info('running late slot', { job: job.name, lateMs: lateness });
      // `replace` cancels the running execution first, which cannot be made ready ahead.
      const readies = job.concurrency === 'replace' ? undefined : nodes.map(() => prepareRun(job));
      const group = bySlot.get(slot) ?? [];
      bySlot.set(slot, group);
      group.push({ job, t, nodes, readies, executions: [] });
    }
    for (const [slot, group] of bySlot) {
      waiting.add(group);
      // Stopping: stop() releases the group's launches (see releaseWaiting).
      if (stopping) continue;
      const startAll = () => {
        if (stopping) return;
        // Timers may fire a millisecond early: never start before the slot.
        const early = slot - clock.now();
        if (early > 0) {
          clock.setTimeout(startAll, early);
          return;
        }
        waiting.delete(group);
        // A job deleted or disabled since its launch was recorded does not run, nor does a `forbid`
        // job that started meanwhile (planned slots overlap while their ledger writes are pending).
        const live = group.filter((s) => known.has(s.job.name) && !forbiddenAtStart(s.job));
        // Every executor call first, then the bookkeeping of each run: the slot's last run starts
        // about as early as its first.
        for (const s of live) if (s.readies) callScheduled(s, s.readies);
        for (const s of live) trackScheduled(s);
      };
      startAll();
    }
  }

  /**
   * A launch that became durable too late does not run (a stalled store must not release a storm): when
   * a newer slot of the job was planned meanwhile, or when it is later than the job's catch-up window.
   * It counts in `missed_count`; its ledger row stays, so the slot is never run afterwards either.
   */
  function staleLaunch(job: Job, slot: number): boolean {
    const lateMs = clock.now() - slot;
    if (lateMs <= LATE_TOLERANCE_MS) return false;
    const entry = known.get(job.name);
    const windowMs = entry ? catchupWindowMs(job, entry.schedule) : 0;
    const superseded = (latestPlanned.get(job.name) ?? slot) > slot;
    if (!superseded && lateMs <= Math.max(windowMs, LATE_TOLERANCE_MS)) return false;
    logger.warn('launch recorded too late to run; counted as missed', {
      job: job.name,
      lateMs,
      reason: superseded ? 'a newer slot is planned' : 'beyond the catch-up window',
    });
    missedCounts.add(job.name, 1);
    void registry.emit('schedule:missed', { job, count: 1, reason: 'late' });
    return true;
  }

  /** Calls the executors of a scheduled trigger that was made ready; {@link trackScheduled} follows. */
  function callScheduled(s: ScheduledTrigger, readies: readonly ReadyRun[]): void {
    for (const [i, node] of s.nodes.entries()) {
      const execution = newExecution(s.job, s.t, 1, node);
      s.executions.push(execution);
      (readies[i] as ReadyRun).prepared.call(execution);
    }
  }

  /** Records and follows the runs {@link callScheduled} started (or starts a `replace` trigger). */
  function trackScheduled(s: ScheduledTrigger): void {
    const { job, t, readies } = s;
    if (!readies) {
      void trigger(job, t, s.nodes).catch((err) =>
        logger.error('launch failed', { job: job.name, err: String(err) }),
      );
      return;
    }
    const group = { pending: s.executions.length, ok: true };
    for (const [i, execution] of s.executions.entries()) {
      const { state, release } = enterTrigger(job.name);
      const written = scheduledStarts.add(execution);
      const { final } = launchAttempt(job, t, state, execution, written, readies[i] as ReadyRun, true);
      followTrigger(job, group, final, release);
    }
  }

  /** This node, when the job's tags select it (the cluster issue adds remote targets). */
  function localTargets(job: Job): string[] {
    const self = cluster.self().Name;
    const targets = selectTargets(job.tags, cluster.candidates(), random);
    for (const t of targets) {
      if (t.name !== self)
        logger.warn('remote targets need the cluster; running locally only', {
          job: job.name,
          target: t.name,
        });
    }
    return targets.some((t) => t.name === self) ? [self] : [];
  }

  function runnable(job: Job, slot: number): boolean {
    if (job.disabled) return false;
    if (job.starts_at && Date.parse(job.starts_at) > slot) return false;
    if (job.expires_at && Date.parse(job.expires_at) < slot) return false;
    if (job.concurrency === 'forbid' && inProgress(job.name)) {
      logger.info('skipping run: job is running and concurrency is forbid', { job: job.name });
      return false;
    }
    return true;
  }

  /** `forbid` checked again when a planned run starts: the check at planning saw an older state. */
  function forbiddenAtStart(job: Job): boolean {
    if (job.concurrency !== 'forbid' || !inProgress(job.name)) return false;
    logger.info('skipping run: job is running and concurrency is forbid', { job: job.name });
    void registry.emit('schedule:missed', { job, count: 1, reason: 'forbid' });
    return true;
  }

  function inProgress(name: string): boolean {
    return (triggers.get(name)?.size ?? 0) > 0 || runningOf(name).length > 0;
  }

  function cancelTriggers(name: string): void {
    for (const t of triggers.get(name) ?? []) t.cancelled = true;
  }

  function runningOf(name: string): ActiveRun[] {
    return [...active.values()].filter((r) => r.execution.job_name === name);
  }

  // ---- running ---------------------------------------------------------------------------

  /**
   * Starts one trigger of a job on every selected target. Resolves once started. A scheduled run comes
   * with the targets chosen when its slot was written to the launch ledger: it starts at once and its
   * running record is written meanwhile; manual runs and children select targets and write first.
   */
  async function trigger(job: Job, t: Trigger, scheduledNodes?: readonly string[]): Promise<void> {
    if (job.concurrency === 'replace') await cancelRunning(job.name, 'replaced by a new run');
    const scheduled = scheduledNodes !== undefined;
    const nodes = scheduledNodes ?? localTargets(job);
    if (nodes.length === 0) {
      throw new DkronError('NOT_FOUND', `no target nodes found to run job ${job.name}`, {
        details: { job: job.name },
      });
    }
    const group = { pending: nodes.length, ok: true };
    for (const node of nodes) {
      const { state, release } = enterTrigger(job.name);
      let final: Promise<boolean>;
      try {
        const execution = newExecution(job, t, 1, node);
        const written = scheduled ? scheduledStarts.add(execution) : undefined;
        ({ final } = await startAttempt(job, t, state, execution, written));
      } catch (err) {
        release();
        throw err;
      }
      followTrigger(job, group, final, release);
    }
  }

  /** Registers a trigger of a job in progress (`forbid` counts them, `replace` cancels them). */
  function enterTrigger(name: string): { state: TriggerState; release: () => void } {
    const state: TriggerState = { cancelled: false };
    const states = triggers.get(name) ?? new Set<TriggerState>();
    triggers.set(name, states.add(state));
    const release = () => {
      states.delete(state);
      if (states.size === 0 && triggers.get(name) === states) triggers.delete(name);
    };
    return { state, release };
  }

  /** Once every node of a trigger has its final result, runs the children (or deletes an ephemeral job). */
  function followTrigger(
    job: Job,
    group: { pending: number; ok: boolean },
    final: Promise<boolean>,
    release: () => void,
  ): void {
    void final.then((ok) => {
      release();
      group.ok &&= ok;
      if (--group.pending === 0) void afterTrigger(job, group.ok);
    });
  }

  async function cancelRunning(name: string, reason: string): Promise<void> {
    cancelTriggers(name);
    const runs = runningOf(name);
    for (const r of runs) r.prepared.abort(new DkronError('CANCELLED', reason));
    await Promise.all(runs.map((r) => r.done));
  }

  function newExecution(job: Job, t: Trigger, attempt: number, node: string): Execution {
    const startedAt = clock.now();
    return {
      id: executionId(startedAt, node),
      job_name: job.name,
      started_at: startedText(startedAt),
      finished_at: ZERO_TIME,
      success: false,
      output: '',
      node_name: node,
      group: t.group,
      attempt,
      status: 'running',
      scheduled_at: t.scheduledAt === null ? null : slotText(t.scheduledAt),
    };
  }

  /** Makes a run of `job` ready to start (see {@link ReadyRun}); starting it is then cheap. */
  function prepareRun(job: Job): ReadyRun {
    const output = new TailBuffer(outputLimit);
    const listeners = new Set<(event: FollowEvent) => void>();
    const prepared = prepareExecution({
      registry,
      job,
      logger,
      reportingNode: cluster.self().Name,
      outputLimit,
      onOutput: (chunk) => {
        output.append(chunk);
        for (const l of listeners) l({ type: 'output', chunk });
      },
    });
    return { job, output, listeners, prepared };
  }

  /**
   * Records and starts one attempt. Resolves once it runs; `final` resolves to the outcome of the
   * trigger on this node after any retries. A scheduled run passes `written`, the pending write of its
   * running record (its ledger row is already stored): it starts at once and completes after it.
   */
  async function startAttempt(
    job: Job,
    t: Trigger,
    state: TriggerState,
    execution: Execution,
    written?: Promise<void>,
  ): Promise<{ final: Promise<boolean> }> {
    const recorded = written ?? starts.add(execution);
    if (!written) await recorded;
    return launchAttempt(job, t, state, execution, recorded, prepareRun(job), false);
  }

  /**
   * Starts a recorded attempt with a ready run, or follows it when `called` (its executor was already
   * called, this turn of the event loop); retries after a failure.
   */
  function launchAttempt(
    job: Job,
    t: Trigger,
    state: TriggerState,
    execution: Execution,
    recorded: Promise<void>,
    ready: ReadyRun,
    called: boolean,
  ): { final: Promise<boolean> } {
    const attempt = execution.attempt;
    // A refused running record is kept and retried (the run goes on: its process started or starts now).
    recorded.catch((err: unknown) => {
      logStoreError(err);
      unwritten.keepStart(execution);
    });
    const { output, listeners, prepared } = ready;
    const run: ActiveRun = { execution, job, recorded, output, listeners, prepared, done: SETTLED };
    active.set(execution.id, run);
    let finish!: (ok: boolean) => void;
    const final = new Promise<boolean>((resolve) => (finish = resolve));
    notify('started', job, execution);
    run.done = runAttempt(run, called).then(async (outcome) => {
      if (outcome.status === 'failed' && attempt < job.retries + 1 && !stopping && !state.cancelled) {
        const delay = retryDelay(job, attempt, clock.now() - Date.parse(execution.started_at));
        logger.info('retrying failed execution', { job: job.name, attempt: attempt + 1, delayMs: delay });
        await new Promise<void>((r) => clock.setTimeout(r, delay));
        const current = await store.getJob(job.name).catch(() => undefined);
        // A job deleted or disabled meanwhile, a replacing run or shutdown ends the retries.
        if (current && !current.disabled && !state.cancelled && !stopping) {
          const retry = newExecution(current, t, attempt + 1, execution.node_name);
          const next = await startAttempt(current, t, state, retry);
          finish(await next.final);
          return;
        }
        logger.info('retries stopped', { job: job.name, attempt });
      }
      notify('finished', job, outcome);
      finish(outcome.status === 'success');
    });
    return { final };
  }

  function notify(what: 'started' | 'finished', job: Job, execution: Execution): void {
    const notifier = options.notifier;
    if (!notifier) return;
    void notifier[what](job, execution).catch((err: unknown) =>
      logger.warn('notification failed', { job: job.name, execution: execution.id, err: String(err) }),
    );
  }

  async function runAttempt(run: ActiveRun, called: boolean): Promise<Execution> {
    const { job } = run;
    let outcome: Awaited<ReturnType<PreparedExecution['start']>>;
    try {
      outcome = await (called ? run.prepared.outcome() : run.prepared.start(run.execution));
    } catch (err) {
      outcome = {
        status: 'failed',
        success: false,
        output: String(err),
        error: String(err),
        finishedAt: new Date(clock.now()),
      };
    }
    const finished: Execution = {
      ...run.execution,
      finished_at: rfc3339(outcome.finishedAt.getTime()),
      success: outcome.success,
      output: outcome.output,
      status: outcome.status,
    };
    const completion: ExecutionCompletion = {
      jobName: job.name,
      executionId: finished.id,
      status: outcome.status,
      finishedAt: finished.finished_at,
      output: finished.output,
    };
    // Nothing that ran goes unrecorded: a refused completion (or one whose running record is still
    // refused) is kept and retried until the store takes it.
    const startStored = await run.recorded.then(
      () => true,
      () => false,
    );
    if (!startStored || unwritten.holdsStart(finished.id)) unwritten.keepCompletion(completion);
    else {
      try {
        await completions.add(completion);
      } catch (err) {
        logStoreError(err);
        unwritten.keepCompletion(completion);
      }
    }
    active.delete(run.execution.id);
    run.execution = finished;
    for (const l of run.listeners) l({ type: 'done', execution: finished });
    return finished;
  }

  function retryDelay(job: Job, attempt: number, elapsedMs: number): number {
    if (job.retry_backoff !== '') {
      const base = safeDuration(job.retry_backoff, 0);
      const cap =
        job.retry_backoff_max === ''
          ? MAX_RETRY_DELAY_MS
          : safeDuration(job.retry_backoff_max, MAX_RETRY_DELAY_MS);
      return Math.min(base * 2 ** (attempt - 1), cap);
    }
    // Dkron's formula: floor(log2(elapsed / 500ms) + attempt) × 500ms.
    const steps = Math.floor(Math.log2(Math.max(elapsedMs, 1) / 500) + attempt);
    return Math.min(Math.max(steps, 0) * 500, MAX_RETRY_DELAY_MS);
  }

  async function afterTrigger(ran: Job, ok: boolean): Promise<void> {
    const name = ran.name;
    // Most jobs have neither children nor ephemeral: skip the store read on the hot path.
    if (!ok || stopping || (!ran.ephemeral && !parents.has(name))) return;
    const job = await store.getJob(name).catch(() => undefined);
    if (!job) return;
    for (const child of job.dependent_jobs ?? []) {
      const childJob = await store.getJob(child).catch(() => undefined);
      if (!childJob) {
        logger.warn('dependent job not found', { job: name, child });
        continue;
      }
      if (!runnable(childJob, clock.now())) continue;
      void trigger(childJob, { group: groupId(clock.now()), scheduledAt: null }).catch((err) =>
        logger.error('could not start dependent job', { job: child, err: String(err) }),
      );
    }
    if (job.ephemeral && (job.dependent_jobs ?? []).length === 0) {
      await store.deleteJob(name).then(
        () => {
          void registry.emit('job:deleted', { job });
          untrack(name);
          logger.info('deleted ephemeral job after a successful run', { job: name });
        },
        (err) => logger.warn('could not delete ephemeral job', { job: name, err: String(err) }),
      );
    }
  }

  /**
   * Takes back the launches recorded ahead of slots that have not come yet, so that the next scheduler
   * to start runs them (catching up) instead of finding them in the ledger as if they had run.
   */
  async function releaseWaiting(): Promise<void> {
    const slots = [...waiting]
      .flat()
      .map((s) => ({ job: s.job.name, scheduledAt: s.t.scheduledAt as number }));
    waiting.clear();
    if (slots.length === 0) return;
    try {
      await store.releaseLaunches(slots);
      logger.info('released launches recorded for slots that had not come yet', { count: slots.length });
    } catch (err) {
      logger.warn('could not release recorded launches; those slots will not run', {
        count: slots.length,
        err: String(err),
      });
    }
  }

  function logStoreError(err: unknown): void {
    logger.error('store write failed', { err: String(err) });
  }

  // ---- API facade ------------------------------------------------------------------------

  async function checkParent(job: Job): Promise<void> {
    if (job.parent_job === '') return;
    const seen = new Set<string>([job.name]);
    let parent: string = job.parent_job;
    for (let depth = 0; parent !== ''; depth++) {
      if (seen.has(parent)) {
        throw new DkronError(
          'VALIDATION',
          `parent_job: setting parent of "${job.name}" to "${job.parent_job}" would create a cycle`,
          {
            details: { field: 'parent_job' },
          },
        );
      }
      seen.add(parent);
      const p = await store.getJob(parent);
      if (!p) {
        if (depth === 0) {
          throw new DkronError('NOT_FOUND', 'specified parent job not found', {
            details: { field: 'parent_job' },
          });
        }
        return;
      }
      parent = p.parent_job;
    }
  }

  async function saveValidated(job: Job, expectedVersion?: number): Promise<Job> {
    await checkParent(job);
    // A new job is stored with its first `next` (one write); an update keeps the stored one unless its
    // schedule changed, and is patched below when it differs.
    const placement = started ? place(job, undefined) : undefined;
    const stored = await store.saveJob(
      placement === undefined ? job : { ...job, next: nextString(firstSlot(placement)) },
      expectedVersion === undefined ? undefined : { expectedVersion },
    );
    if (stored.parent_job !== '') parents.add(stored.parent_job);
    void registry.emit('job:saved', { job: stored });
    if (!started) return stored;
    const next = track(
      stored,
      undefined,
      undefined,
      placement !== undefined && sameScheduling(stored, job) ? placement : undefined,
    );
    const nextText = nextString(next);
    if (stored.next !== nextText && stored.parent_job === '') {
      await store.patchJob(stored.name, { next: nextText });
      return { ...stored, next: nextText };
    }
    return stored;
  }

  function validate(input: unknown): Job {
    const job = toJob(input);
    validateJob(job, {
      defaultTimezone,
      validateExecutorConfig: (executor, config) => registry.validateExecutorConfig(executor, config),
      validateProcessors: (processors) => registry.validateProcessors(processors),
    });
    return job;
  }

  async function requireJob(name: string): Promise<Job> {
    const job = await store.getJob(name);
    if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
    return job;
  }

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
      const orphans = (await store.runningExecutions()).filter(
        (e) => e.node_name === cluster.self().Name && !unwritten.holdsCompletion(e.id),
      );
      if (orphans.length > 0) {
        await store.finishExecutions(
          orphans.map((e) => ({
            jobName: e.job_name,
            executionId: e.id,
            status: 'lost' as const,
            finishedAt: rfc3339(clock.now()),
            output: `${e.output}${e.output.endsWith('\n') || e.output === '' ? '' : '\n'}execution lost: the agent restarted while it ran`,
          })),
        );
        logger.warn('marked executions of a previous run as lost', { count: orphans.length });
      }
      const [jobs, lastSlots] = await Promise.all([store.allJobs(), store.lastLaunches()]);
      const nextPatches: { name: string; next: string }[] = [];
      for (const job of jobs) if (job.parent_job !== '') parents.add(job.parent_job);
      for (const job of jobs) {
        try {
          const stored = Date.parse(job.next);
          const resume = job.next !== ZERO_TIME && Number.isFinite(stored) ? stored : undefined;
          const next = nextString(track(job, lastSlots.get(job.name), resume));
          if (job.parent_job === '' && job.next !== next) nextPatches.push({ name: job.name, next });
        } catch (err) {
          logger.error('cannot schedule job', { job: job.name, err: String(err) });
        }
      }
      started = true;
      if (server) scheduler.start();
      // `next` is served from these writes; scheduling does not wait for them.
      for (const p of nextPatches) void patches.add(p).catch(logStoreError);
      logger.info('scheduler started', { jobs: scheduler.size });
    },

    stop(opts) {
      stopping ??= (async () => {
        scheduler.stop();
        await Promise.all([...dueInFlight]);
        await releaseWaiting();
        const deadline = opts?.timeoutMs ?? 60_000;
        const running = [...active.values()];
        if (running.length > 0) {
          logger.info('waiting for running executions', { count: running.length, timeoutMs: deadline });
          let timer: { cancel(): void } | undefined;
          const timedOut = new Promise<void>((r) => (timer = clock.setTimeout(r, deadline)));
          await Promise.race([Promise.all(running.map((r) => r.done)), timedOut]);
          timer?.cancel();
          for (const r of active.values())
            r.prepared.abort(new DkronError('CANCELLED', 'agent shutting down'));
          await Promise.all([...active.values()].map((r) => r.done));
        }
        await Promise.all([
          launches.drain(),
          starts.drain(),
          scheduledStarts.drain(),
          completions.drain(),
          patches.drain(),
        ]);
        // One last try for what the store refused; what is left stays in the journal.
        await Promise.all([unwritten.flush().then(() => unwritten.stop()), unresolved.stop()]);
        await patches.drain();
      })();
      return stopping;
    },

    scheduledCount: () => scheduler.size,

    listJobs: (query: JobQuery): Promise<JobPage> => store.listJobs(query),
    getJob: (name) => store.getJob(name),

    async saveJob(input, saveOptions) {
      const name = (input as { name?: unknown } | null)?.name;
      const from = saveOptions?.from;
      if (from === undefined || typeof name !== 'string') return saveValidated(validate(input));
      return updateJobConditionally(
        store,
        name,
        async (current) => validate(await from(current)),
        saveValidated,
      );
    },

    async deleteJob(name) {
      const job = await store.deleteJob(name);
      void registry.emit('job:deleted', { job });
      untrack(name);
      cancelTriggers(name);
      missedCounts.forget(name);
      return job;
    },

    toggleJob(name) {
      const flip = (job: Job | undefined): Job => {
        if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
        return { ...job, disabled: !job.disabled };
      };
      return updateJobConditionally(store, name, flip, saveValidated);
    },

    async runJob(name: string, runOptions?: RunOptions) {
      const job = await requireJob(name);
      if (job.disabled) {
        throw new DkronError('NOT_FOUND', `job ${name} is disabled`, { details: { job: name } });
      }
      if (job.concurrency === 'forbid' && !runOptions?.force && inProgress(name)) {
        throw new DkronError(
          'CONFLICT',
          `job ${name} is running and its concurrency is forbid (use ?force=true)`,
          {
            details: { job: name },
          },
        );
      }
      await trigger(job, { group: groupId(clock.now()), scheduledAt: null });
      return job;
    },

    async listExecutions(name: string, query: ExecutionQuery) {
      const job = await requireJob(name);
      const page = await store.listExecutions(name, query);
      // Dkron renders list times in the job's zone (UTC without one) and always sends output_truncated.
      const zone = job.timezone === '' ? 'UTC' : job.timezone;
      const executions = page.executions.map((e) => ({
        ...e,
        started_at: inZone(e.started_at, zone),
        finished_at: inZone(e.finished_at, zone),
        output_truncated: e.output_truncated ?? false,
      }));
      return { executions, total: page.total };
    },
    getExecution: (job, id) => store.getExecution(job, id),
    deleteExecutions: (job) => store.deleteExecutions(job),

    async cancelExecution(job, id) {
      const run = active.get(id);
      if (!run || run.execution.job_name !== job) {
        await requireJob(job);
        const stored = await store.getExecution(job, id);
        if (!stored) {
          throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`, {
            details: { job, execution: id },
          });
        }
        const why =
          stored.status === 'running' ? 'runs on another node' : `is not running (${stored.status})`;
        throw new DkronError('CONFLICT', `execution ${id} of job ${job} ${why}`, {
          details: { job, execution: id, status: stored.status },
        });
      }
      // A cancelled attempt ends as `cancelled`, which never retries.
      run.prepared.abort(new DkronError('CANCELLED', 'execution cancelled by a user'));
      await run.done;
      return run.execution;
    },

    async busy() {
      return [...active.values()]
        .map((r) => ({ ...r.execution, output: r.output.toString() }))
        .sort((a, b) => a.started_at.localeCompare(b.started_at));
    },

    followExecution(job, id, signal) {
      return follow(job, id, signal);
    },

    stats: (days: number): Promise<DayStats[]> => store.stats(days, new Date(clock.now())),

    async restore(input, restoreOptions) {
      if (!Array.isArray(input)) {
        throw new DkronError('VALIDATION', 'file: expected a JSON array of jobs', {
          details: { field: 'file' },
        });
      }
      const jobs = input.map((raw) => validate(raw));
      const posted = new Map(jobs.map((job, i) => [job.name, input[i] as unknown]));
      const from = restoreOptions?.from;
      const save = (job: Job) =>
        from === undefined
          ? saveValidated(job)
          : updateJobConditionally(
              store,
              job.name,
              async (current) => validate(await from(posted.get(job.name), current)),
              saveValidated,
            );
      const ordered = restoreOrder(jobs);
      const failed = new Set<string>();
      const result: RestoreResult = [];
      for (const job of ordered) {
        if (job.parent_job !== '' && failed.has(job.parent_job)) {
          failed.add(job.name);
          continue;
        }
        try {
          await save(job);
          result.push(`success create ${job.name}`);
        } catch (err) {
          failed.add(job.name);
          result.push(`fail create ${job.name}`);
          logger.warn('restore: job failed', { job: job.name, err: String(err) });
        }
      }
      return result;
    },

    members: async (): Promise<Member[]> => cluster.members(),
    leader: async () => cluster.leader(),
    isLeader: () => cluster.isLeader(),
    async leave() {
      const peers = cluster.members().filter((m) => m.Name !== cluster.self().Name);
      setImmediate(() => options.onLeave?.());
      return peers;
    },
    info() {
      const self = cluster.self();
      return {
        agent: { name: options.nodeName, version: options.version },
        serf: {
          members: String(cluster.members().length),
          failed: '0',
          left: '0',
          health_score: '0',
          member_time: '1',
          event_time: '1',
          query_time: '1',
          intent_queue: '0',
          event_queue: '0',
          query_queue: '0',
          encrypted: 'false',
        },
        tags: { ...self.Tags },
      };
    },
    async health(): Promise<AgentHealth> {
      const issues: string[] = [];
      if (!started) issues.push('scheduler not started');
      try {
        await store.listJobs({ start: 0, end: 0 });
        // What a read does not show: a full disk, rows the store cannot read.
        for (const issue of (await store.health?.()) ?? []) issues.push(`store: ${issue}`);
      } catch (err) {
        issues.push(`store unavailable: ${isDkronError(err) ? err.message : String(err)}`);
      }
      return { healthy: issues.length === 0, issues, ...(server ? { leader: cluster.isLeader() } : {}) };
    },
    plugins: () => registry.catalog(),

    async jobGraph(name) {
      await requireJob(name);
      const all = await store.allJobs();
      return jobGraph(all, name);
    },
  };

  async function* follow(job: string, id: string, signal: AbortSignal): AsyncIterable<FollowEvent> {
    const run = active.get(id);
    if (!run || run.execution.job_name !== job) {
      const execution = await store.getExecution(job, id);
      if (!execution) throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`);
      if (execution.output !== '') yield { type: 'output', chunk: execution.output };
      if (execution.status !== 'running') {
        yield { type: 'done', execution };
        return;
      }
      // Running on another process (or orphaned): nothing more to follow here.
      return;
    }
    const queue: FollowEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (event: FollowEvent) => {
      queue.push(event);
      wake?.();
    };
    const replay = run.output.toString();
    run.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      if (replay !== '') yield { type: 'output', chunk: replay };
      while (!signal.aborted) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        yield event;
        if (event.type === 'done') return;
      }
    } finally {
      run.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }

  return agent;
}

/** An RFC 3339 time shown in `zone`; Dkron's zero time and unparsable text stay as they are. */
function inZone(text: string, zone: string): string {
  if (text === ZERO_TIME || zone === 'UTC') return text;
  const time = DateTime.fromISO(text, { zone });
  return time.isValid ? (time.toISO({ suppressMilliseconds: true }) ?? text) : text;
}

function launchKey(intent: LaunchIntent): string {
  return `${intent.job}\u0000${intent.scheduledAt}`;
}

function safeDuration(text: string, fallback: number): number {
  try {
    return parseGoDuration(text);
  } catch {
    return fallback;
  }
}

/** Whether two versions of a job are scheduled the same way. */
function sameScheduling(a: Job, b: Job): boolean {
  return (
    a.schedule === b.schedule &&
    a.timezone === b.timezone &&
    a.disabled === b.disabled &&
    a.parent_job === b.parent_job &&
    a.starts_at === b.starts_at &&
    a.catchup_window === b.catchup_window
  );
}
