import { IANAZone } from 'luxon';
import { DAY_MS, HOUR_MS, MAX_DATE_MS, SECOND_MS } from './civil.js';

/**
 * A stretch of time during which a zone's UTC offset does not change. Spans may also be cut at cache
 * bucket boundaries; such cuts carry the last real transition along so DST rules still see it.
 */
export interface OffsetSpan {
  /** First instant of the span (epoch ms, inclusive). */
  readonly start: number;
  /** End of the span (epoch ms, exclusive); `Infinity` when the offset never changes again. */
  readonly end: number;
  /** Offset from UTC in force, in ms (wall = instant + offset). */
  readonly offset: number;
  /** Instant of the latest real offset change at or before `start` that is still near, or `-Infinity`. */
  readonly transitionAt: number;
  /** Offset in force just before `transitionAt` (equals `offset` when there is none). */
  readonly offsetBefore: number;
}

/** Cached offsets of one IANA zone. */
export interface ZoneOffsets {
  readonly name: string;
  /** The span containing `instant` (epoch ms). */
  spanAt(instant: number): OffsetSpan;
}

// Zone names are IANA ids like "America/Argentina/Buenos_Aires" or "Etc/GMT+5"; this keeps Intl extensions
// such as raw offsets ("+05:00"), which Go refuses, out of stored jobs.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

const validNames = new Set<string>();

/**
 * True when `tz` is an IANA time-zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`).
 */
export function isValidTimezone(tz: string): boolean {
  if (typeof tz !== 'string') return false;
  if (validNames.has(tz)) return true;
  // luxon builds an Intl formatter per check (about 0.1 ms), so known names are remembered. Refused names
  // are not: they come from input, and there are only so many real zones.
  const valid = ZONE_NAME.test(tz) && IANAZone.isValidZone(tz);
  if (valid) validNames.add(tz);
  return valid;
}

const ALWAYS_UTC: OffsetSpan = {
  start: -Infinity,
  end: Infinity,
  offset: 0,
  transitionAt: -Infinity,
  offsetBefore: 0,
};
const UTC_NAMES = new Set([
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'Etc/Universal',
  'Etc/Zulu',
  'Zulu',
  'Universal',
]);

// A bucket is sampled once per day and transitions are refined to the second by bisection. This assumes
// no zone changes its offset and back within one day, which modern tzdb rules never do.
const BUCKET_MS = 100 * DAY_MS;
// About 270 years of timeline per zone.
const MAX_BUCKETS = 1000;
// Long enough to find the transition just before a bucket, which a fall-back span must know about.
const LOOKBACK_MS = DAY_MS;
// Offsets are read no closer than this to the ends of the Date range (see CachedZone#offset).
const EDGE_MS = 2 * DAY_MS;

/**
 * Offsets of a zone, read from luxon (`IANAZone.offset`, backed by the runtime's tz data through Intl) once
 * per bucket and then served from memory: the schedule walker makes no luxon or Intl call per candidate.
 */
class CachedZone implements ZoneOffsets {
  readonly name: string;
  readonly #zone: IANAZone;
  readonly #buckets = new Map<number, readonly OffsetSpan[]>();
  #last: OffsetSpan;

  constructor(name: string) {
    this.name = name;
    this.#zone = IANAZone.create(name);
    this.#last = { start: 0, end: 0, offset: 0, transitionAt: -Infinity, offsetBefore: 0 };
  }

  spanAt(instant: number): OffsetSpan {
    const last = this.#last;
    if (instant >= last.start && instant < last.end) return last;
    const index = Math.floor(instant / BUCKET_MS);
    let spans = this.#buckets.get(index);
    if (spans === undefined) {
      // Schedules move forward through time, so a full cache is mostly stale: start over rather than grow.
      if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
      spans = this.#sampleBucket(index * BUCKET_MS);
      this.#buckets.set(index, spans);
    }
    for (const span of spans) {
      if (instant < span.end) {
        this.#last = span;
        return span;
      }
    }
    // Unreachable: the last span of a bucket ends at the bucket's end.
    throw new Error(`no offset span for ${instant} in ${this.name}`);
  }

  #sampleBucket(start: number): OffsetSpan[] {
    const end = start + BUCKET_MS;
    const spans: OffsetSpan[] = [];
    let offset = this.#offset(start);
    let transitionAt = -Infinity;
    let offsetBefore = offset;
    const earlier = this.#offset(start - LOOKBACK_MS);
    if (earlier !== offset) {
      transitionAt = this.#bisect(start - LOOKBACK_MS, earlier, start);
      offsetBefore = earlier;
    }
    let spanStart = start;
    let probe = start;
    while (probe < end - SECOND_MS) {
      const next = Math.min(probe + DAY_MS, end - SECOND_MS);
      const nextOffset = this.#offset(next);
      if (nextOffset === offset) {
        probe = next;
        continue;
      }
      const at = this.#bisect(probe, offset, next);
      spans.push({ start: spanStart, end: at, offset, transitionAt, offsetBefore });
      transitionAt = at;
      offsetBefore = offset;
      spanStart = at;
      offset = this.#offset(at);
      // Resume from the transition: another change may still lie before `next`.
      probe = at;
    }
    spans.push({ start: spanStart, end, offset, transitionAt, offsetBefore });
    return spans;
  }

  /** First whole second in (lo, hi] whose offset differs from `loOffset` (the offset at lo). */
  #bisect(lo: number, loOffset: number, hi: number): number {
    let a = lo;
    let b = hi;
    while (b - a > SECOND_MS) {
      const mid = a + Math.floor((b - a) / 2 / SECOND_MS) * SECOND_MS;
      if (this.#offset(mid) === loOffset) a = mid;
      else b = mid;
    }
    return b;
  }

  /**
   * The zone's offset at an instant, in ms (luxon gives minutes, fractional for offsets with seconds).
   * luxon answers NaN where the wall time leaves the range of Date, so the offset two days inside that
   * range stays in force beyond it (tzdb has no transition there: the ends are LMT and rules extrapolated
   * to year 275760).
   */
  #offset(instant: number): number {
    const clamped = Math.min(Math.max(instant, EDGE_MS - MAX_DATE_MS), MAX_DATE_MS - EDGE_MS);
    return Math.round(this.#zone.offset(clamped) * 60) * SECOND_MS;
  }
}

class UtcZone implements ZoneOffsets {
  constructor(readonly name: string) {}
  spanAt(): OffsetSpan {
    return ALWAYS_UTC;
  }
}

const zones = new Map<string, ZoneOffsets>();

/** The cached offsets of a valid zone name (check with {@link isValidTimezone} first). */
export function getZone(name: string): ZoneOffsets {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = UTC_NAMES.has(name) ? new UtcZone(name) : new CachedZone(name);
    zones.set(name, zone);
  }
  return zone;
}

/**
 * The instant at which a wall time happens in a zone, by the fixed-time rule: the first occurrence when
 * the wall time happens twice, the end of the gap when it does not happen at all.
 */
export function wallToInstant(zone: ZoneOffsets, wall: number): number {
  // Offsets stay within ±26 h, so every instant showing `wall` lies in this window.
  let span = zone.spanAt(wall - 30 * HOUR_MS);
  for (;;) {
    const candidate = wall - span.offset;
    if (candidate >= span.start && candidate < span.end) return candidate;
    const gap = span.transitionAt === span.start && span.offsetBefore < span.offset;
    if (gap && wall >= span.start + span.offsetBefore && wall < span.start + span.offset) return span.start;
    if (span.end > wall + 30 * HOUR_MS) return wall - span.offset;
    span = zone.spanAt(span.end);
  }
}
