import { matchRfc3339 } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';

/*
 * Times are stored as `<sort key>|<text>`: the sort key is the instant in UTC with a fixed width
 * (`2026-01-02T03:04:05.123456789Z`, 30 characters), so SQL `ORDER BY`, `max()` and comparisons are
 * chronological, and the text after `|` is the value exactly as written, so a stored time reads back
 * unchanged (nanoseconds and offsets included).
 */

const KEY_WIDTH = 30;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of `month` (1-12) in the proleptic Gregorian `year`, as JavaScript's Date counts them. */
function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * The fixed-width UTC sort key of an RFC 3339 time, or `undefined` when `text` is not one. The grammar
 * is the kernel's (`matchRfc3339`); a stored time is an instant, so its offset must be written. The key
 * keeps nine fraction digits.
 */
export function sortKeyOf(text: string): string | undefined {
  const m = matchRfc3339(text);
  if (m?.offset === undefined) return undefined;
  const { year, month, day, hour, minute, second, offset } = m;
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offset.hours <= 23 &&
    offset.minutes <= 59;
  if (!valid) return undefined;
  const fraction = m.fraction.slice(0, 9).padEnd(9, '0');
  // Fast path: a launch batch formats thousands of UTC times, which need no offset arithmetic.
  if (offset.hours === 0 && offset.minutes === 0) {
    return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${fraction}Z`;
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999 (Dkron's zero time is year 1).
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  date.setTime(date.getTime() - offset.sign * (offset.hours * 60 + offset.minutes) * 60_000);
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) return undefined;
  return (
    `${pad(y, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${fraction}Z`
  );
}

/**
 * Recently encoded times: a launch batch writes thousands of records whose times are the same few
 * instants (one slot, the milliseconds of one dispatch), so most encodings are a lookup. Cleared when
 * full, it holds at most this many.
 */
const RECENT_KEYS = 1024;
const recentKeys = new Map<string, string>();

/** Encodes a time for storage; `VALIDATION` when it is not RFC 3339. */
export function toTimeKey(text: string, field: string): string {
  const recent = recentKeys.get(text);
  if (recent !== undefined) return recent;
  const key = sortKeyOf(text);
  if (key === undefined) {
    throw new DkronError('VALIDATION', `${field} is not an RFC 3339 time: ${JSON.stringify(text)}`, {
      details: { field },
    });
  }
  const stored = `${key}|${text}`;
  if (recentKeys.size >= RECENT_KEYS) recentKeys.clear();
  recentKeys.set(text, stored);
  return stored;
}

/** {@link toTimeKey} for a nullable time (`null`, `undefined` and `''` are stored as NULL). */
export function toNullableTimeKey(text: string | null | undefined, field: string): string | null {
  return text === null || text === undefined || text === '' ? null : toTimeKey(text, field);
}

/** The time as it was written. */
export function fromTimeKey(stored: string): string {
  return stored.slice(KEY_WIDTH + 1);
}

/** {@link fromTimeKey} for a nullable column. */
export function fromNullableTimeKey(stored: unknown): string | null {
  return typeof stored === 'string' ? fromTimeKey(stored) : null;
}

/**
 * Formats epoch milliseconds like the kernel does (Go's RFC 3339, UTC): `2026-01-02T03:04:05Z`,
 * with `.mmm` only when the milliseconds are not zero.
 */
export function formatMs(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** The stored form of an instant given in epoch milliseconds. */
export function timeKeyFromMs(ms: number): string {
  return toTimeKey(formatMs(ms), 'time');
}

/** The UTC day (`YYYY-MM-DD`) of a time (its sort key's date). */
export function utcDayOf(text: string, field: string): string {
  return toTimeKey(text, field).slice(0, 10);
}
