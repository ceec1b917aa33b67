import { ZERO_TIME } from './types';

/** Whether an API time is set (Dkron writes its zero time and `null` for "never"). */
export function isSet(time: string | null | undefined): time is string {
  return !!time && time !== ZERO_TIME && !time.startsWith('0001-01-01');
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A time in the browser's zone, or `—`. */
export function formatTime(time: string | null | undefined): string {
  if (!isSet(time)) return '—';
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? dateTime.format(ms) : time;
}

/** A time in a given IANA zone, with the zone's abbreviation. */
export function formatInZone(time: string, zone: string): string {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) return time;
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    }).format(ms);
  } catch {
    return formatTime(time);
  }
}

/** `1h 2m`, `3.4s`, `250 ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `in 3m 2s` / `5s ago`. */
export function relative(time: string, now: number): string {
  const ms = Date.parse(time) - now;
  if (!Number.isFinite(ms)) return '';
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

/** The duration of an execution (running ones up to `now`). */
export function executionDuration(e: { started_at: string; finished_at: string }, now: number): number {
  const start = Date.parse(e.started_at);
  const end = isSet(e.finished_at) ? Date.parse(e.finished_at) : now;
  return end - start;
}
