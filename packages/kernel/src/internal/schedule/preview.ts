import { DateTime, IANAZone } from 'luxon';
import { validationError } from './errors.js';
import { parseSchedule } from './parse.js';
import { formatDateTime } from './rfc3339.js';
import type { PreviewScheduleInput } from './types.js';
import { getZone } from './zone.js';

const MAX_PREVIEW = 1000;

/**
 * An instant as RFC 3339 in a zone, by luxon: `2026-03-08T03:00:00-04:00`, milliseconds only when not zero,
 * and `Z` whenever the offset is zero (Go's `time.RFC3339`; luxon alone writes `+00:00` for zones such as
 * Europe/London). luxon cannot place wall times beyond the range of Date (the last hours of year 275760
 * east of Greenwich); those few use our own formatter with the cached offset.
 */
function formatInZone(instant: number, zone: IANAZone, timezone: string): string {
  const local = DateTime.fromMillis(instant, { zone });
  const text = (local.offset === 0 ? local.toUTC() : local).toISO({ suppressMilliseconds: true });
  return text ?? formatDateTime(instant, getZone(timezone).spanAt(instant).offset);
}

/**
 * The body of `dkron-core schedule "<expr>" [--tz Z] [--from RFC3339] [-n N]`: the next `count` fire
 * times (default 5) after `from` (default now), as RFC 3339 strings with the schedule zone's offset,
 * e.g. `2026-03-08T03:00:00-04:00` (`Z` when the offset is zero). Fewer when the schedule ends.
 *
 * @throws DkronError `SCHEDULE_INVALID` for a bad expression or zone, `VALIDATION` for a bad count or date.
 */
export function previewSchedule(input: PreviewScheduleInput): string[] {
  const count = input.count ?? 5;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW) {
    throw validationError(`count must be an integer from 1 to ${MAX_PREVIEW}, got ${count}`, 'count');
  }
  const schedule = parseSchedule(input.expression, {
    ...(input.timezone === undefined ? {} : { timezone: input.timezone }),
    ...(input.jobName === undefined ? {} : { jobName: input.jobName }),
  });
  // An IANAZone object, not the name: luxon would read names such as "utc+5" as fixed offsets.
  const zone = IANAZone.create(schedule.timezone);
  return schedule
    .nextN(input.from ?? new Date(), count)
    .map((date) => formatInZone(date.getTime(), zone, schedule.timezone));
}
