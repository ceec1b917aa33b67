/** Options of {@link parseSchedule}. */
export interface ScheduleOptions {
  /** IANA zone of the job. `''` or absent: {@link ScheduleOptions.defaultTimezone}. A `TZ=` prefix wins over it. */
  timezone?: string;
  /** Zone used when the job names none. Default `'UTC'`. */
  defaultTimezone?: string;
  /** Name of the job, whose code points are summed to replace `~` fields (Dkron's hashing). */
  jobName?: string;
  /**
   * Phase anchor of `@every` (a Date or epoch ms, truncated to the second): fire times are
   * `anchor + k * interval` for k >= 1. Absent: `next(from)` is `from` truncated to the second plus
   * the interval, robfig's constant delay.
   */
  anchor?: Date | number;
}

/** The form a schedule was written in. */
export type ScheduleKind = 'cron' | 'every' | 'at' | 'after' | 'manually';

/** A parsed schedule: an immutable, zone-aware generator of fire times. */
export interface Schedule {
  /** `cron` for cron expressions and descriptors such as `@daily`; otherwise the `@` form used. */
  readonly kind: ScheduleKind;
  /** The expression as written by the user (before `~` hashing). */
  readonly source: string;
  /** The IANA zone the schedule is evaluated in. */
  readonly timezone: string;
  /** `@every` only: the interval in ms, whole seconds, at least 1000. */
  readonly intervalMs?: number;
  /** `@at` / `@after` only: the instant of the single run. */
  readonly at?: Date;
  /** `@after` only: how long after {@link Schedule.at} a missed run may still start, in ms. */
  readonly graceMs?: number;
  /**
   * The first fire time strictly after `from`, or `undefined` when the schedule never fires again.
   * `@after` reports only its instant; running it late within the grace is the scheduler's catch-up.
   * @throws DkronError `VALIDATION` when `from` is not a valid date.
   */
  next(from: Date | number): Date | undefined;
  /** Up to `n` successive fire times after `from` (fewer when the schedule ends). */
  nextN(from: Date | number, n: number): Date[];
}

/** Input of {@link previewSchedule}. */
export interface PreviewScheduleInput {
  /** The schedule expression, in any form {@link parseSchedule} accepts. */
  expression: string;
  /** Zone of the job; default UTC. */
  timezone?: string;
  /** Start of the preview (exclusive); default now. */
  from?: Date;
  /** How many fire times to list, 1-1000; default 5. */
  count?: number;
  /** Job name for `~` fields. */
  jobName?: string;
}
