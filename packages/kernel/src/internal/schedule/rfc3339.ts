import { civilFromWall, daysInMonth, HOUR_MS, MINUTE_MS, wallMs } from './civil.js';

/** A date-time read from RFC 3339 text; `offsetMs` is absent when the text names no offset. */
export interface ParsedDateTime {
  /** Wall milliseconds of the written local date and time (see `civil.ts`). */
  readonly wall: number;
  /** Offset from UTC written in the text (`Z` = 0), in milliseconds. */
  readonly offsetMs?: number;
}

/**
 * The one RFC 3339 date-time grammar of dkron-core (Go's `time.RFC3339Nano` reading, plus an optional
 * offset for schedules): `2026-03-08T02:30:00.5-05:00`, `T`/`Z` in either case, any number of
 * fraction digits.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/** The fields of an RFC 3339 date-time as written; ranges are not checked. */
export interface Rfc3339Fields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** The fraction digits after the dot, `''` when none. */
  readonly fraction: string;
  /** The written offset: `Z` (0), `±hh:mm` as sign and numbers, or `undefined` when none is written. */
  readonly offset?: { readonly sign: 1 | -1; readonly hours: number; readonly minutes: number };
}

/** Splits RFC 3339 text into its fields, or `undefined` when it does not follow the grammar. */
export function matchRfc3339(text: string): Rfc3339Fields | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  // One object, no spreads: the stores read times on every completion.
  const offset =
    m[8] !== undefined
      ? UTC_OFFSET
      : m[9] === undefined
        ? undefined
        : { sign: m[9] === '-' ? (-1 as const) : (1 as const), hours: Number(m[10]), minutes: Number(m[11]) };
  const fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    fraction: m[7] ?? '',
  };
  return offset === undefined ? fields : Object.assign(fields, { offset });
}

const UTC_OFFSET = { sign: 1, hours: 0, minutes: 0 } as const;

/**
 * Reads an RFC 3339 date-time such as `2026-03-08T02:30:00-05:00` (fractional seconds allowed, like Go).
 * The offset may be omitted; the caller then places the wall time in a zone.
 *
 * @returns the parsed value, or a reason string when the text is not a valid date-time.
 */
export function parseDateTime(text: string): ParsedDateTime | string {
  const m = matchRfc3339(text);
  if (!m) return `${JSON.stringify(text)} is not an RFC 3339 date-time such as 2026-01-02T15:04:05Z`;
  const { year, month, day, hour, minute, second } = m;
  if (month < 1 || month > 12) return `month out of range in ${JSON.stringify(text)}`;
  if (day < 1 || day > daysInMonth(year, month)) return `day out of range in ${JSON.stringify(text)}`;
  if (hour > 23 || minute > 59 || second > 59) return `time out of range in ${JSON.stringify(text)}`;
  // Milliseconds from the digits, not from floating point (0.291 * 1000 is not 291 in binary).
  const fraction = m.fraction === '' ? 0 : Number(`${m.fraction}00`.slice(0, 3));
  const wall = wallMs(year, month, day, hour, minute, second) + fraction;
  if (m.offset === undefined) return { wall };
  const { sign, hours, minutes } = m.offset;
  if (hours > 23 || minutes > 59) return `offset out of range in ${JSON.stringify(text)}`;
  const offsetMs = sign * (hours * HOUR_MS + minutes * MINUTE_MS);
  return { wall, offsetMs };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Formats an instant as RFC 3339 with the given offset, like Go's `time.RFC3339`: `Z` for a zero offset,
 * otherwise `±hh:mm`. Milliseconds are written only when not zero. `previewSchedule` formats with luxon and
 * falls back to this where luxon cannot (wall times beyond the range of Date).
 */
export function formatDateTime(instantMs: number, offsetMs: number): string {
  const c = civilFromWall(instantMs + offsetMs);
  const year = c.year < 0 ? `-${pad(-c.year, 6)}` : c.year > 9999 ? `+${pad(c.year, 6)}` : pad(c.year, 4);
  const millis = c.millisecond === 0 ? '' : `.${pad(c.millisecond, 3)}`;
  const time = `${year}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}${millis}`;
  if (offsetMs === 0) return `${time}Z`;
  const abs = Math.abs(offsetMs);
  // Go drops the seconds of historical offsets such as LMT -04:56:02; so do we.
  const minutes = Math.floor(abs / MINUTE_MS);
  return `${time}${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
