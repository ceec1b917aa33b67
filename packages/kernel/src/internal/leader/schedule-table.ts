import type { Job, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import { parseGoDuration, parseSchedule, type Schedule } from '../schedule/index.js';
import { type DueSlot, Scheduler } from './scheduler.js';

/** Where a job goes in the schedule: see {@link ScheduleTable.place}. */
export interface Placement {
  readonly anchor: number;
  /** Absent when the job is not scheduled. */
  readonly entry?: { readonly schedule: Schedule; readonly windowMs: number; readonly from: number };
}

/** Options of {@link ScheduleTable}. */
export interface ScheduleTableOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly defaultTimezone: string;
  /** How long before its slot a launch is handed over (see `Scheduler`). */
  readonly leadMs: number;
  readonly catchupMs: number;
  readonly onDue: (due: DueSlot[]) => void;
}

/**
 * The leader's schedule: the jobs it schedules, the phase anchor of their `@every`, and the timer
 * wheel that hands their slots over when they come due.
 */
export class ScheduleTable {
  /** Jobs scheduled, with the schedule they run. */
  readonly #known = new Map<string, { job: Job; schedule: Schedule }>();
  readonly #anchors = new Map<string, { schedule: string; timezone: string; anchor: number }>();
  readonly #scheduler: Scheduler;
  readonly #options: ScheduleTableOptions;

  constructor(options: ScheduleTableOptions) {
    this.#options = options;
    this.#scheduler = new Scheduler({
      clock: options.clock,
      logger: options.logger,
      leadMs: options.leadMs,
      onDue: options.onDue,
    });
  }

  get size(): number {
    return this.#scheduler.size;
  }

  /** The next fire time (ms) the schedule holds for a job, `undefined` when none. */
  nextAt(name: string): number | undefined {
    return this.#scheduler.nextOf(name);
  }

  /** The catch-up window (ms) of a scheduled job; 0 when it is not scheduled. */
  windowOf(name: string): number {
    const known = this.#known.get(name);
    return known ? this.#catchupWindowMs(known.job, known.schedule) : 0;
  }

  /** The scheduled version of a job, `undefined` when it is not scheduled. */
  job(name: string): Job | undefined {
    return this.#known.get(name)?.job;
  }

  start(): void {
    this.#scheduler.start();
  }

  stop(): void {
    this.#scheduler.stop();
  }

  /**
   * Where a job goes, computed without changing anything: its `@every` anchor and, unless it is not
   * scheduled (disabled, a child, no schedule), its schedule and the time its first slot comes
   * strictly after. At start, `resume` is the job's stored `next`: the first slot the previous
   * leader had not dealt with (slots it skipped under `forbid` are not in the ledger but are behind
   * `next`).
   */
  place(job: Job, lastSlot: number | undefined, resume?: number): Placement {
    const now = this.#options.clock.now();
    let anchor = this.#anchorFor(job, lastSlot ?? resume, now);
    if (job.disabled || job.parent_job !== '' || job.schedule.trim() === '') return { anchor };
    const previous = this.#known.get(job.name);
    const sameSchedule =
      previous !== undefined &&
      previous.job.schedule === job.schedule &&
      previous.job.timezone === job.timezone;
    let schedule = this.#scheduleOf(job, anchor);
    if (lastSlot === undefined && resume !== undefined && anchor === resume && schedule.intervalMs) {
      // `@every` slots come one interval after their anchor; a `next` that never ran is itself a slot.
      anchor = resume - schedule.intervalMs;
      schedule = this.#scheduleOf(job, anchor);
    }
    let from = lastSlot ?? now;
    if (resume !== undefined) from = lastSlot === undefined ? resume - 1 : Math.max(lastSlot, resume - 1);
    if (lastSlot === undefined && schedule.kind === 'after' && schedule.at) from = schedule.at.getTime() - 1;
    if (sameSchedule && previous) from = Math.max(from, now);
    const startsAt = job.starts_at ? Date.parse(job.starts_at) : undefined;
    if (startsAt !== undefined && startsAt > from) from = startsAt - 1;
    return { anchor, entry: { schedule, windowMs: this.#catchupWindowMs(job, schedule), from } };
  }

  /** Puts a job in the schedule (or takes it out) where `placement` says; returns its next fire time. */
  track(job: Job, placement: Placement): number | undefined {
    const { anchor, entry } = placement;
    this.#anchors.set(job.name, { schedule: job.schedule, timezone: job.timezone, anchor });
    if (!entry) {
      this.#known.delete(job.name);
      this.#scheduler.remove(job.name);
      return undefined;
    }
    this.#known.set(job.name, { job, schedule: entry.schedule });
    return this.#scheduler.set(job.name, entry.schedule, entry.windowMs, entry.from);
  }

  /** Forgets everything about a deleted job. */
  untrack(name: string): void {
    this.#known.delete(name);
    this.#anchors.delete(name);
    this.#scheduler.remove(name);
  }

  /**
   * The phase anchor of a job's `@every`: the last launched slot when known, else the anchor already
   * recorded for the same schedule (kept while the job is disabled), else the first time we saw it.
   */
  #anchorFor(job: Job, lastSlot: number | undefined, now: number): number {
    const recorded = this.#anchors.get(job.name);
    const same = recorded?.schedule === job.schedule && recorded.timezone === job.timezone;
    return lastSlot ?? (same && recorded ? recorded.anchor : Math.floor(now / 1000) * 1000);
  }

  #scheduleOf(job: Job, anchor: number): Schedule {
    return parseSchedule(job.schedule, {
      timezone: job.timezone,
      defaultTimezone: this.#options.defaultTimezone,
      jobName: job.name,
      anchor,
    });
  }

  #catchupWindowMs(job: Job, schedule: Schedule): number {
    if (schedule.kind === 'after' && schedule.graceMs !== undefined) return schedule.graceMs;
    if (job.catchup_window === '') return this.#options.catchupMs;
    try {
      return parseGoDuration(job.catchup_window);
    } catch {
      return this.#options.catchupMs;
    }
  }
}

/** The first slot of a placement, as {@link ScheduleTable.track} will schedule it. */
export function firstSlot(placement: Placement): number | undefined {
  return placement.entry?.schedule.next(placement.entry.from)?.getTime();
}
