import { BaseSchedule } from './base-schedule.js';
import { MAX_DATE_MS, SECOND_MS } from './civil.js';
import type { CronFields } from './cron-fields.js';
import { nextWallTime } from './cron-search.js';
import { toEpochMs } from './errors.js';
import type { ZoneOffsets } from './zone.js';

// A bound on the constant-offset spans one `next` call may cross (about five a year over 400 years).
const MAX_SPANS = 5000;

/**
 * A cron expression (or descriptor) evaluated in a zone.
 *
 * The walk happens in wall-clock space, one constant-offset span of the zone at a time: within a span,
 * wall time and instants map one to one, so the first matching wall time in the span is the answer.
 * DST (DESIGN.md §5) is decided at span edges:
 * - fixed hour field: wall times inside a spring-forward gap fire once, at the end of the gap; wall times
 *   repeated after a fall-back fire only at their first occurrence;
 * - `*`, `?` or stepped hour field: every real instant whose wall time matches fires, so gap times are
 *   skipped and repeated times fire twice.
 */
export class CronSchedule extends BaseSchedule {
  readonly kind = 'cron' as const;
  readonly #fields: CronFields;
  readonly #zone: ZoneOffsets;

  constructor(source: string, timezone: string, fields: CronFields, zone: ZoneOffsets) {
    super(source, timezone);
    this.#fields = fields;
    this.#zone = zone;
  }

  next(from: Date | number): Date | undefined {
    const earliest = Math.floor(toEpochMs(from, 'from') / SECOND_MS) * SECOND_MS + SECOND_MS;
    const instant = this.#firstAtOrAfter(earliest);
    return Number.isNaN(instant) || instant > MAX_DATE_MS ? undefined : new Date(instant);
  }

  #firstAtOrAfter(earliest: number): number {
    const fields = this.#fields;
    const fixed = fields.hourFixed;
    let span = this.#zone.spanAt(earliest);
    // The wall search does not depend on the offset, so a result stays valid across spans: reuse it.
    let searchedFrom = Number.NaN;
    let found = Number.NaN;
    for (let i = 0; i < MAX_SPANS; i++) {
      const offset = span.offset;
      if (fixed && span.start >= earliest && span.transitionAt === span.start && span.offsetBefore < offset) {
        // Spring forward at span.start: wall times in [start + before, start + offset) do not exist.
        const inGap = nextWallTime(fields, span.start + span.offsetBefore);
        if (inGap < span.start + offset) return span.start;
      }
      let lower = Math.max(earliest, span.start) + offset;
      if (fixed && span.offsetBefore > offset) {
        // Fall back: wall times before transitionAt + offsetBefore already happened once.
        lower = Math.max(lower, span.transitionAt + span.offsetBefore);
      }
      if (!(lower >= searchedFrom && lower <= found)) {
        found = nextWallTime(fields, lower);
        searchedFrom = lower;
      }
      if (Number.isNaN(found)) return Number.NaN;
      if (found < span.end + offset) return found - offset;
      span = this.#zone.spanAt(span.end);
    }
    return Number.NaN;
  }
}
