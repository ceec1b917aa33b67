import { type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import type { LaunchIntent } from '../../ports/store.js';
import type { Attempts, PlannedRun, Trigger } from './attempts.js';
import { type LeaderContext, logStoreError } from './context.js';
import { groupId, rfc3339 } from './ids.js';
import type { MissedCounts } from './missed-counts.js';
import type { ScheduleTable } from './schedule-table.js';
import { type DueSlot, LATE_TOLERANCE_MS } from './scheduler.js';
import { UnplacedSlots } from './unplaced-slots.js';
import { UnresolvedLaunches } from './unresolved-launches.js';

/** A slot whose launch is being recorded. */
interface Planned {
  readonly job: Job;
  readonly t: Trigger;
  readonly nodes: readonly string[];
  readonly intent: LaunchIntent;
}

/** A run to make ready on its node ahead of its slot. */
interface PrepareItem {
  readonly job: Job;
  readonly node: string;
  readonly key: string;
}

/**
 * How long before its slot a recorded run is made ready on its node. Enough for a node to prepare
 * thousands of runs; short, so that what they hold (signals, buffers, closures) dies young instead of
 * surviving the collections of a whole launch lead.
 */
export const PREPARE_LEAD_MS = 200;

/** A slot whose launch is recorded, waiting for its time. */
interface Waiting {
  readonly job: Job;
  readonly t: Trigger;
  readonly nodes: readonly string[];
  /** One per node, prepared on it ahead; absent for `replace`, which cancels the running one first. */
  readonly readyKeys: readonly string[] | undefined;
}

/**
 * The launch planner: turns due slots into recorded launches (fenced by the term's epoch), then
 * dispatches them at their slot, never earlier.
 */
export class LaunchPlanner {
  readonly #ctx: LeaderContext;
  readonly #table: ScheduleTable;
  readonly #attempts: Attempts;
  readonly #missed: MissedCounts;
  /** Slots whose launches are recorded and whose runs have not started yet. */
  readonly #waiting = new Set<Waiting[]>();
  /** Ticks still recording their launches; stop waits for them. */
  readonly #inFlight = new Set<Promise<void>>();
  /** The latest slot handed to the ledger per job: an older launch recorded late is superseded. */
  readonly #latestPlanned = new Map<string, number>();
  /** Launches whose write failed with an unknown outcome: their rows are taken back when the store answers. */
  readonly #unresolved: UnresolvedLaunches;
  /** Slots that matched no member while the cluster settles, placed again until one joins. */
  readonly #unplaced: UnplacedSlots<Waiting>;

  constructor(ctx: LeaderContext, table: ScheduleTable, attempts: Attempts, missed: MissedCounts) {
    this.#ctx = ctx;
    this.#table = table;
    this.#attempts = attempts;
    this.#missed = missed;
    this.#unplaced = new UnplacedSlots<Waiting>(
      ctx.clock,
      (slot) => this.#placeAgain(slot),
      (slot) => {
        missed.add(slot.job.name, 1);
        void ctx.registry.emit('schedule:missed', { job: slot.job, count: 1, reason: 'late' });
      },
    );
    this.#unresolved = new UnresolvedLaunches({
      store: ctx.store,
      clock: ctx.clock,
      logger: ctx.logger,
      onReleased: (jobs) => {
        // The store takes writes again: the missed slots count now. A release moves `next` back to the
        // released slot: put the schedule's next fire time back.
        missed.flush(jobs);
        for (const name of jobs)
          if (table.job(name))
            void ctx.ledger.patch({ name, next: nextString(table.nextAt(name)) }).catch(logStoreError(ctx));
      },
    });
  }

  /** Forgets a deleted job. */
  forget(name: string): void {
    this.#latestPlanned.delete(name);
  }

  /** Plans the slots of one tick. */
  due(due: DueSlot[]): void {
    // A term whose leadership ended (a frozen leader resuming) plans nothing; the next leader does.
    if (this.#ctx.stopped()) return;
    const handled = this.#onDue(due);
    this.#inFlight.add(handled);
    void handled.finally(() => this.#inFlight.delete(handled));
  }

  /** Whether a job may run at `slot`: enabled, within its dates, not forbidden by a run in progress. */
  runnable(job: Job, slot: number): boolean {
    if (job.disabled) return false;
    if (job.starts_at && Date.parse(job.starts_at) > slot) return false;
    if (job.expires_at && Date.parse(job.expires_at) < slot) return false;
    if (job.concurrency === 'forbid' && this.#ctx.concurrency.inProgress(job.name)) {
      this.#ctx.logger.info('skipping run: job is running and concurrency is forbid', { job: job.name });
      return false;
    }
    return true;
  }

  /**
   * Waits for the ticks being recorded, then takes back the launches recorded ahead of slots that have
   * not come yet, so that the next leader runs them (catching up) instead of finding them in the
   * ledger as if they had run.
   */
  async stop(): Promise<void> {
    await Promise.all([...this.#inFlight]);
    const groups = [...this.#waiting];
    this.#waiting.clear();
    // Slots still waiting for a member are taken back too: the next leader catches them up.
    const slots = [...groups.flat(), ...this.#unplaced.take()].map((s) => ({
      job: s.job.name,
      scheduledAt: s.t.scheduledAt as number,
    }));
    this.#ctx.dispatcher.unprepare?.(groups.flat().flatMap((s) => s.readyKeys ?? []));
    await Promise.all([this.#ctx.ledger.release(slots), this.#unresolved.stop()]);
  }

  async #onDue(due: DueSlot[]): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock.now();
    const items = this.#plan(due);
    if (items.length === 0) return;
    let inserted: boolean[];
    try {
      // The ledger rows are written before anything runs; the running records follow, in parallel.
      inserted = await Promise.all(items.map((i) => ctx.ledger.launch(i.intent)));
      for (const [i, { job, t }] of items.entries())
        if (inserted[i] && this.#staleLaunch(job, t.scheduledAt as number, now)) inserted[i] = false;
      this.#missed.flush(items.map((i) => i.job.name));
      let earliest = Number.POSITIVE_INFINITY;
      for (const i of items) earliest = Math.min(earliest, i.t.scheduledAt as number);
      const writtenLate = ctx.clock.now() - Math.max(earliest, now);
      if (writtenLate > 0 && earliest >= now) {
        ctx.logger.warn('launch records were written after their slot; runs start late', {
          count: items.length,
          lateMs: writtenLate,
          writeMs: ctx.clock.now() - now,
        });
      }
    } catch (err) {
      // Fail closed: a launch that is not recorded does not run; it counts as missed (reason `store`).
      // The outcome is unknown (a timeout may still land): the rows are taken back once the store answers.
      ctx.logger.error('could not record launches; skipping them', { err: String(err), count: items.length });
      for (const i of items) {
        this.#missed.add(i.job.name, 1);
        void ctx.registry.emit('schedule:missed', { job: i.job, count: 1, reason: 'store' });
      }
      this.#unresolved.add(items.map((i) => ({ job: i.job.name, scheduledAt: i.t.scheduledAt as number })));
      return;
    }
    this.#await(items, inserted, now);
  }

  /** The due slots that run, with their targets and launch intents; the others are counted. */
  #plan(due: DueSlot[]): Planned[] {
    const ctx = this.#ctx;
    const items: Planned[] = [];
    for (const d of due) {
      const job = this.#table.job(d.name);
      if (!job) continue;
      if (d.slot === undefined || !this.runnable(job, d.slot)) {
        void ctx.ledger
          .patch({ name: d.name, next: nextString(d.next), missed: d.missed })
          .catch(logStoreError(ctx));
        if (d.missed > 0) {
          ctx.logger.warn('missed scheduled runs', { job: d.name, missed: d.missed });
          void ctx.registry.emit('schedule:missed', { job, count: d.missed, reason: 'late' });
        }
        if (d.slot !== undefined && job.concurrency === 'forbid' && ctx.concurrency.inProgress(job.name)) {
          void ctx.registry.emit('schedule:missed', { job, count: 1, reason: 'forbid' });
        }
        continue;
      }
      if (d.missed > 0) {
        void ctx.registry.emit('schedule:missed', { job, count: d.missed, reason: 'late' });
        ctx.logger.warn('ran the latest missed slot, older ones are counted as missed', {
          job: d.name,
          missed: d.missed,
        });
        void ctx.ledger.patch({ name: d.name, missed: d.missed }).catch(logStoreError(ctx));
      }
      const t: Trigger = { group: groupId(d.slot), scheduledAt: d.slot };
      const nodes = this.#attempts.targets(job);
      const intent = {
        job: job.name,
        scheduledAt: d.slot,
        group: t.group,
        epoch: ctx.epoch,
        next: d.next ?? null,
      };
      this.#latestPlanned.set(job.name, Math.max(this.#latestPlanned.get(job.name) ?? d.slot, d.slot));
      items.push({ job, t, nodes, intent });
    }
    return items;
  }

  /**
   * Runs recorded ahead of their slot start at the slot: one timer per slot, not per job. Each run is
   * prepared on its node {@link PREPARE_LEAD_MS} before the slot (or now, when that is past), so that
   * starting thousands on one slot costs little more than the executor calls, while what a prepared run
   * holds lives only that long (the launch itself is recorded earlier, see `launchLeadMs`).
   */
  #await(items: Planned[], inserted: boolean[], now: number): void {
    const ctx = this.#ctx;
    const bySlot = new Map<number, { waiting: Waiting[]; prepare: PrepareItem[] }>();
    for (const [i, { job, t, nodes }] of items.entries()) {
      if (!inserted[i]) continue;
      const slot = t.scheduledAt as number;
      const lateness = now - slot;
      if (lateness > 1000) ctx.logger.info('running late slot', { job: job.name, lateMs: lateness });
      const entry = bySlot.get(slot) ?? { waiting: [], prepare: [] };
      bySlot.set(slot, entry);
      // `replace` cancels the running execution first, which cannot be made ready ahead.
      const readyKeys =
        job.concurrency === 'replace' ? undefined : nodes.map((n) => `${job.name}\u0000${slot}\u0000${n}`);
      for (const [k, key] of (readyKeys ?? []).entries())
        entry.prepare.push({ job, node: nodes[k] as string, key });
      entry.waiting.push({ job, t, nodes, readyKeys });
    }
    for (const [slot, { waiting: group, prepare }] of bySlot) {
      this.#waiting.add(group);
      // Stopping: stop() releases the group's launches.
      if (ctx.stopped()) continue;
      if (prepare.length > 0) this.#prepareAt(slot - PREPARE_LEAD_MS, group, prepare);
      const startAll = () => {
        if (ctx.stopped()) return;
        // Timers may fire a millisecond early: never start before the slot.
        const early = slot - ctx.clock.now();
        if (early > 0) {
          ctx.clock.setTimeout(startAll, early);
          return;
        }
        this.#waiting.delete(group);
        this.#start(group);
      };
      startAll();
    }
  }

  /** Makes a slot's runs ready on their nodes at `at` (now when that is past), unless it started or stopped. */
  #prepareAt(at: number, group: Waiting[], prepare: PrepareItem[]): void {
    const ctx = this.#ctx;
    const run = () => {
      if (!ctx.stopped() && this.#waiting.has(group)) ctx.dispatcher.prepare?.(prepare);
    };
    const wait = at - ctx.clock.now();
    if (wait > 0) ctx.clock.setTimeout(run, wait);
    else run();
  }

  /** Dispatches the runs of one slot. */
  #start(group: Waiting[]): void {
    const ctx = this.#ctx;
    const triggers: PlannedRun[][] = [];
    const dropped: string[] = [];
    for (const s of group) {
      // A job deleted or disabled since its launch was recorded does not run, nor does a `forbid`
      // job that started meanwhile (planned slots overlap while their ledger writes are pending).
      if (!this.#table.job(s.job.name) || this.#forbiddenAtStart(s.job)) {
        dropped.push(...(s.readyKeys ?? []));
        continue;
      }
      if (s.nodes.length === 0) {
        this.#place(s);
        continue;
      }
      if (!s.readyKeys) {
        void this.#attempts
          .trigger(s.job, s.t, s.nodes)
          .catch((err) => ctx.logger.error('launch failed', { job: s.job.name, err: String(err) }));
        continue;
      }
      const keys = s.readyKeys;
      triggers.push(
        s.nodes.map((node, k) => {
          const execution = this.#attempts.newExecution(s.job, s.t, 1, node);
          return { job: s.job, t: s.t, execution, readyKey: keys[k] as string };
        }),
      );
    }
    if (dropped.length > 0) ctx.dispatcher.unprepare?.(dropped);
    if (triggers.length > 0) this.#attempts.launch(triggers);
  }

  /**
   * A slot whose tags matched no member when it was planned: placed at its slot again; while the cluster
   * settles (a new leader's agents reconnect) it waits for a member instead of failing, else it is
   * recorded as having no targets.
   */
  #place(s: Waiting): void {
    const ctx = this.#ctx;
    const nodes = this.#attempts.targets(s.job);
    if (nodes.length > 0) {
      void this.#attempts
        .trigger(s.job, s.t, nodes)
        .catch((err) => ctx.logger.error('launch failed', { job: s.job.name, err: String(err) }));
    } else if (ctx.cluster.placementSettling?.() === true) {
      this.#unplaced.add(s);
    } else {
      this.#attempts.noTargets(s.job, s.t);
    }
  }

  /** A waiting slot placed again, unless its job went away or started meanwhile (`forbid`). */
  #placeAgain(s: Waiting): void {
    if (this.#ctx.stopped()) return;
    const job = this.#table.job(s.job.name);
    if (!job || this.#forbiddenAtStart(job)) return;
    this.#place({ ...s, job });
  }

  /**
   * A launch that became durable too late does not run (a stalled store must not release a storm): when
   * its write took it more than the tolerance past its slot (or past its planning, for a slot the
   * catch-up rule planned late on purpose), and a newer slot of the job was planned meanwhile or it is
   * later than the job's catch-up window. It counts in `missed_count`; its ledger row stays, so the slot
   * is never run afterwards either.
   */
  #staleLaunch(job: Job, slot: number, plannedAt: number): boolean {
    const now = this.#ctx.clock.now();
    if (now - Math.max(slot, plannedAt) <= LATE_TOLERANCE_MS) return false;
    const lateMs = now - slot;
    const superseded = (this.#latestPlanned.get(job.name) ?? slot) > slot;
    if (!superseded && lateMs <= Math.max(this.#table.windowOf(job.name), LATE_TOLERANCE_MS)) return false;
    this.#ctx.logger.warn('launch recorded too late to run; counted as missed', {
      job: job.name,
      lateMs,
      reason: superseded ? 'a newer slot is planned' : 'beyond the catch-up window',
    });
    this.#missed.add(job.name, 1);
    void this.#ctx.registry.emit('schedule:missed', { job, count: 1, reason: 'late' });
    return true;
  }

  /** `forbid` checked again when a planned run starts: the check at planning saw an older state. */
  #forbiddenAtStart(job: Job): boolean {
    if (job.concurrency !== 'forbid' || !this.#ctx.concurrency.inProgress(job.name)) return false;
    this.#ctx.logger.info('skipping run: job is running and concurrency is forbid', { job: job.name });
    void this.#ctx.registry.emit('schedule:missed', { job, count: 1, reason: 'forbid' });
    return true;
  }
}

export function nextString(ms: number | undefined): string {
  return ms === undefined ? ZERO_TIME : rfc3339(ms);
}
