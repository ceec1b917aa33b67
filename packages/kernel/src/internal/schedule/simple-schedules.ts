import { BaseSchedule } from './base-schedule.js';
import { SECOND_MS } from './civil.js';
import { toEpochMs } from './errors.js';

/** `@every <duration>`: a fixed interval, anchored or robfig's constant delay. */
export class EverySchedule extends BaseSchedule {
  readonly kind = 'every' as const;
  readonly #anchor: number | undefined;

  constructor(
    source: string,
    timezone: string,
    readonly intervalMs: number,
    anchor: number | undefined,
  ) {
    super(source, timezone);
    this.#anchor = anchor === undefined ? undefined : Math.floor(anchor / SECOND_MS) * SECOND_MS;
  }

  next(from: Date | number): Date {
    const fromMs = toEpochMs(from, 'from');
    const anchor = this.#anchor;
    if (anchor === undefined) return new Date(Math.floor(fromMs / SECOND_MS) * SECOND_MS + this.intervalMs);
    if (fromMs < anchor + this.intervalMs) return new Date(anchor + this.intervalMs);
    const periods = Math.floor((fromMs - anchor) / this.intervalMs) + 1;
    return new Date(anchor + periods * this.intervalMs);
  }
}

/** `@at <instant>` and `@after <instant> <grace>`: a single run. */
export class OnceSchedule extends BaseSchedule {
  readonly #at: number;

  constructor(
    readonly kind: 'at' | 'after',
    source: string,
    timezone: string,
    at: number,
    readonly graceMs: number | undefined,
  ) {
    super(source, timezone);
    this.#at = at;
  }

  /** A fresh copy, so callers cannot move the schedule by mutating it. */
  get at(): Date {
    return new Date(this.#at);
  }

  next(from: Date | number): Date | undefined {
    return toEpochMs(from, 'from') < this.#at ? new Date(this.#at) : undefined;
  }
}

/** `@manually`: never fires on its own. */
export class ManualSchedule extends BaseSchedule {
  readonly kind = 'manually' as const;

  next(from: Date | number): undefined {
    toEpochMs(from, 'from');
    return undefined;
  }
}
