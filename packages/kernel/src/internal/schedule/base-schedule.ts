import { validationError } from './errors.js';
import type { Schedule, ScheduleKind } from './types.js';

/** What every schedule kind shares: identity fields and `nextN` built on `next`. */
export abstract class BaseSchedule implements Schedule {
  abstract readonly kind: ScheduleKind;

  constructor(
    readonly source: string,
    readonly timezone: string,
  ) {}

  abstract next(from: Date | number): Date | undefined;

  nextN(from: Date | number, n: number): Date[] {
    if (!Number.isInteger(n) || n < 0)
      throw validationError(`count must be a non-negative integer, got ${n}`);
    const result: Date[] = [];
    let cursor: Date | number = from;
    while (result.length < n) {
      const next = this.next(cursor);
      if (next === undefined) break;
      result.push(next);
      cursor = next;
    }
    return result;
  }
}
