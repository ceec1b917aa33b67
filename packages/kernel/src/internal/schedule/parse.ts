import { isDkronError } from '@dkron-core/plugin-api';
import { SECOND_MS } from './civil.js';
import { compileCronFields } from './cron-fields.js';
import { CronSchedule } from './cron-schedule.js';
import { scheduleError, toEpochMs } from './errors.js';
import { parseGoDuration } from './go-duration.js';
import { hashSchedule } from './hash.js';
import { parseIsoDuration } from './iso-duration.js';
import { parseDateTime } from './rfc3339.js';
import { EverySchedule, ManualSchedule, OnceSchedule } from './simple-schedules.js';
import type { Schedule, ScheduleOptions } from './types.js';
import { getZone, isValidTimezone, wallToInstant } from './zone.js';

const DESCRIPTORS: ReadonlyMap<string, string> = new Map([
  ['@yearly', '0 0 0 1 1 *'],
  ['@annually', '0 0 0 1 1 *'],
  ['@monthly', '0 0 0 1 * *'],
  ['@weekly', '0 0 0 * * 0'],
  ['@daily', '0 0 0 * * *'],
  ['@midnight', '0 0 0 * * *'],
  ['@hourly', '0 0 * * * *'],
  ['@minutely', '0 * * * * *'],
]);

const ZONE_PREFIX = /^(?:CRON_)?TZ=(\S*)(?:\s+|$)/;

/** Splits off a `TZ=`/`CRON_TZ=` prefix and picks the zone: prefix, then job zone, then default. */
function resolveZone(text: string, options: ScheduleOptions): { spec: string; timezone: string } {
  const prefix = ZONE_PREFIX.exec(text);
  const timezone = prefix?.[1] ?? (options.timezone || options.defaultTimezone || 'UTC');
  if (!isValidTimezone(timezone)) throw scheduleError(`unknown time zone ${timezone}`);
  const spec = prefix === null ? text : text.slice(prefix[0].length);
  if (spec === '') throw scheduleError(`missing schedule after ${text}`);
  return { spec, timezone };
}

/** Reads an RFC 3339 instant; without an offset, the wall time is placed in the schedule's zone. */
function parseInstant(text: string, timezone: string, form: '@at' | '@after'): number {
  const parsed = parseDateTime(text);
  if (typeof parsed === 'string') throw scheduleError(`failed to parse date in ${form}: ${parsed}`);
  if (parsed.offsetMs !== undefined) return parsed.wall - parsed.offsetMs;
  return wallToInstant(getZone(timezone), parsed.wall);
}

function parseEvery(spec: string, source: string, timezone: string, options: ScheduleOptions): Schedule {
  const text = spec.slice('@every'.length).trim();
  if (text === '') throw scheduleError(`@every requires a duration such as 1h30m, got: ${spec}`);
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (error) {
    throw scheduleError(`@every: ${isDkronError(error) ? error.message : String(error)}`, error);
  }
  // robfig rounds a negative interval up to 1 s; a negative interval is a typo, so we refuse it.
  if (ms < 0) throw scheduleError(`@every: duration must not be negative, got ${JSON.stringify(text)}`);
  // robfig: whole seconds, at least one.
  const intervalMs = Math.max(SECOND_MS, Math.floor(ms / SECOND_MS) * SECOND_MS);
  const anchor = options.anchor === undefined ? undefined : toEpochMs(options.anchor, 'anchor');
  return new EverySchedule(source, timezone, intervalMs, anchor);
}

function parseAt(spec: string, source: string, timezone: string): Schedule {
  const parts = spec.split(/\s+/);
  if (parts.length !== 2) throw scheduleError(`@at requires format: @at <RFC3339 datetime>, got: ${spec}`);
  const at = parseInstant(parts[1] ?? '', timezone, '@at');
  return new OnceSchedule('at', source, timezone, at, undefined);
}

/** `@after <RFC3339> <<ISO8601 grace>`, with Dkron's error texts. */
function parseAfter(spec: string, source: string, timezone: string): Schedule {
  const parts = spec.split(/\s+/);
  if (parts.length !== 3) {
    throw scheduleError(`@after requires format: @after <RFC3339 datetime> <ISO8601 duration>, got: ${spec}`);
  }
  const at = parseInstant(parts[1] ?? '', timezone, '@after');
  const grace = parts[2] ?? '';
  if (!grace.startsWith('<')) throw scheduleError(`grace period must start with '<', got: ${grace}`);
  let graceMs: number;
  try {
    graceMs = parseIsoDuration(grace.slice(1));
  } catch (error) {
    const reason = isDkronError(error) ? error.message : String(error);
    throw scheduleError(`failed to parse grace period in @after: ${reason}`, error);
  }
  return new OnceSchedule('after', source, timezone, at, graceMs);
}

function parseCron(spec: string, source: string, timezone: string): Schedule {
  const fields = spec.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw scheduleError(
      `expected 5 or 6 fields (seconds first, optional), found ${fields.length} in "${source}"`,
    );
  }
  // Five fields have minute precision: seconds are 0.
  const six = fields.length === 5 ? ['0', ...fields] : fields;
  return new CronSchedule(source, timezone, compileCronFields(six, source), getZone(timezone));
}

/**
 * Parses a Dkron schedule: a 6-field cron expression with seconds (or 5 fields, seconds = 0), a descriptor
 * (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@minutely`),
 * `@every <Go duration>`, `@at <RFC3339>`, `@after <RFC3339> <<ISO8601 grace>` or `@manually`, optionally
 * prefixed with `TZ=<zone>` or `CRON_TZ=<zone>`. `~` fields are hashed from `options.jobName`.
 *
 * Unlike Dkron, the job zone applies to every form, descriptors included; an explicit prefix wins over it.
 * DST follows DESIGN.md §5 (see {@link Schedule.next}).
 *
 * @throws DkronError `SCHEDULE_INVALID` naming the field and value, e.g.
 *   `hours: value 25 out of range 0-23 in "0 0 25 * * *"`, or `unknown time zone Foo/Bar`.
 */
export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  if (typeof expression !== 'string') throw scheduleError('schedule must be a string');
  const source = expression;
  const text = expression.trim();
  if (text === '') throw scheduleError('empty schedule');
  const { spec: zoned, timezone } = resolveZone(text, options);
  let spec = zoned;
  if (spec.includes('~') && !spec.startsWith('@')) {
    if (!options.jobName) throw scheduleError(`"~" needs the job name to hash in "${source}"`);
    spec = hashSchedule(spec, options.jobName);
  }
  if (!spec.startsWith('@')) return parseCron(spec, source, timezone);
  const word = (spec.split(/\s/, 1)[0] ?? '').toLowerCase();
  const cron = DESCRIPTORS.get(word);
  if (cron !== undefined) {
    if (spec.length !== word.length) throw scheduleError(`${word} takes no argument, got: ${spec}`);
    return new CronSchedule(source, timezone, compileCronFields(cron.split(' '), source), getZone(timezone));
  }
  switch (word) {
    case '@every':
      return parseEvery(spec, source, timezone, options);
    case '@at':
      return parseAt(spec, source, timezone);
    case '@after':
      return parseAfter(spec, source, timezone);
    case '@manually':
      if (spec.length !== word.length) throw scheduleError(`@manually takes no argument, got: ${spec}`);
      return new ManualSchedule(source, timezone);
    default:
      throw scheduleError(`unrecognized descriptor: ${word}`);
  }
}
