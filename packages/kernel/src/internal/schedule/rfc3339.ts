import { civilFromWall, daysInMonth, HOUR_MS, MINUTE_MS, wallMs } from './civil.js';

/** A date-time read from RFC 3339 text; `offsetMs` is absent when the text names no offset. */
export interface ParsedDateTime {
  /** Wall milliseconds of the written local date and time (see `civil.ts`). */
  readonly wall: number;
  /** Offset from UTC written in the text (`Z` = 0), in milliseconds. */
  readonly offsetMs?: number;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

/**
 * Reads an RFC 3339 date-time such as `2026-03-08T02:30:00-05:00` (fractional seconds allowed, like Go).
 * The offset may be omitted; the caller then places the wall time in a zone.
 *
 * @returns the parsed value, or a reason string when the text is not a valid date-time.
 */
export function parseDateTime(text: string): ParsedDateTime | string {
  const m = DATE_TIME.exec(text);
  if (!m) return `${JSON.stringify(text)} is not an RFC 3339 date-time such as 2026-01-02T15:04:05Z`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) return `month out of range in ${JSON.stringify(text)}`;
  if (day < 1 || day > daysInMonth(year, month)) return `day out of range in ${JSON.stringify(text)}`;
  if (hour > 23 || minute > 59 || second > 59) return `time out of range in ${JSON.stringify(text)}`;
  // Milliseconds from the digits, not from floating point (0.291 * 1000 is not 291 in binary).
  const fraction = m[7] === undefined ? 0 : Number(`${m[7].slice(1)}00`.slice(0, 3));
  const wall = wallMs(year, month, day, hour, minute, second) + fraction;
  if (m[8] !== undefined) return { wall, offsetMs: 0 };
  if (m[9] === undefined) return { wall };
  const offHours = Number(m[10]);
  const offMinutes = Number(m[11]);
  if (offHours > 23 || offMinutes > 59) return `offset out of range in ${JSON.stringify(text)}`;
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offHours * HOUR_MS + offMinutes * MINUTE_MS);
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
