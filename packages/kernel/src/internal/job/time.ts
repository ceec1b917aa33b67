import { civilFromWall, DAY_MS, daysFromCivil, daysInMonth } from '../schedule/civil.js';
import { matchRfc3339 } from '../schedule/rfc3339.js';

/**
 * The job's nullable times (`last_success`, `starts_at`, …): read from what clients send, stored in one
 * normal form (UTC, `Z`, fraction without trailing zeros, like Go's RFC3339Nano) so that equal
 * instants are equal strings, and compared exactly to the nanosecond.
 */

// HTML `datetime-local` as the UI sends it (Dkron reads it as UTC); seconds are optional in browsers.
const DATETIME_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

const NS_PER_SECOND = 1_000_000_000n;
const SECONDS_PER_DAY = 86_400;

/** An instant as whole seconds since the epoch plus nanoseconds (0..999 999 999). */
interface Instant {
  readonly seconds: number;
  readonly nanos: number;
}

function toInstant(parts: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number;
}): Instant | undefined {
  const { year, month, day, hour, minute, second } = parts;
  if (month < 1 || month > 12) return undefined;
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  const seconds =
    daysFromCivil(year, month, day) * SECONDS_PER_DAY +
    hour * 3600 +
    minute * 60 +
    second -
    parts.offsetMinutes * 60;
  // Go keeps nanoseconds; digits beyond the ninth are dropped.
  const nanos = Number(parts.fraction.slice(0, 9).padEnd(9, '0'));
  return { seconds, nanos };
}

function parseInstant(text: string): Instant | undefined {
  const m = matchRfc3339(text);
  // A stored time names its offset; only `datetime-local` (below) may leave it out.
  if (m?.offset) {
    const { sign, hours, minutes } = m.offset;
    if (hours > 23 || minutes > 59) return undefined;
    return toInstant({ ...m, offsetMinutes: sign * (hours * 60 + minutes) });
  }
  const local = DATETIME_LOCAL.exec(text);
  if (!local) return undefined;
  return toInstant({
    year: Number(local[1]),
    month: Number(local[2]),
    day: Number(local[3]),
    hour: Number(local[4]),
    minute: Number(local[5]),
    second: Number(local[6] ?? 0),
    fraction: '',
    offsetMinutes: 0,
  });
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatInstant({ seconds, nanos }: Instant): string | undefined {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const rest = seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromWall(days * DAY_MS);
  // RFC 3339 has four-digit years only.
  if (year < 0 || year > 9999) return undefined;
  const fraction = nanos === 0 ? '' : `.${pad(nanos, 9).replace(/0+$/, '')}`;
  const time = `${pad(Math.floor(rest / 3600))}:${pad(Math.floor(rest / 60) % 60)}:${pad(rest % 60)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time}${fraction}Z`;
}

/**
 * Reads an RFC 3339 / RFC3339Nano time, or an HTML `datetime-local` value (`2006-01-02T15:04`, read as
 * UTC like Dkron), and returns it in the stored normal form, e.g. `2024-05-01T10:00:00.5Z`.
 *
 * @returns the normalised time, or `undefined` when `text` is not such a time.
 */
export function normalizeTime(text: string): string | undefined {
  const instant = parseInstant(text);
  return instant === undefined ? undefined : formatInstant(instant);
}

/** Epoch milliseconds of an RFC 3339 time (its offset written), or `undefined`: what query parameters read. */
export function rfc3339ToMs(text: string): number | undefined {
  if (matchRfc3339(text)?.offset === undefined) return undefined;
  const instant = parseInstant(text);
  return instant === undefined ? undefined : instant.seconds * 1000 + Math.floor(instant.nanos / 1e6);
}

/** Nanoseconds since the epoch of a time {@link normalizeTime} accepts, or `undefined`. */
export function timeToNanos(text: string): bigint | undefined {
  const instant = parseInstant(text);
  return instant === undefined ? undefined : BigInt(instant.seconds) * NS_PER_SECOND + BigInt(instant.nanos);
}

/**
 * The later of two nullable times; `null` never wins over a time. A text that is not a time loses to
 * one that is (it cannot be ordered).
 */
export function laterTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const na = timeToNanos(a);
  const nb = timeToNanos(b);
  if (na === undefined) return b;
  if (nb === undefined) return a;
  return nb > na ? b : a;
}

/** Formats epoch milliseconds in the stored normal form (`2024-05-01T10:00:00Z`, ms only when not 0). */
export function msToTime(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`time out of range: ${ms} ms`);
  // Whole and sub-millisecond parts apart, so rounding never carries into a 1e9 nanosecond field.
  let whole = Math.floor(ms);
  let subNanos = Math.round((ms - whole) * 1e6);
  if (subNanos === 1e6) {
    whole += 1;
    subNanos = 0;
  }
  const seconds = Math.floor(whole / 1000);
  const text = formatInstant({ seconds, nanos: (whole - seconds * 1000) * 1e6 + subNanos });
  if (text === undefined) throw new RangeError(`time out of range: ${ms} ms`);
  return text;
}
