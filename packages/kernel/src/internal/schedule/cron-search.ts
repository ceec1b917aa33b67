import { DAY_MS, daysFromCivil, HOUR_MS, isLeapYear, MINUTE_MS, SECOND_MS } from './civil.js';
import { type CronFields, monthLengthMask } from './cron-fields.js';

// Every satisfiable expression matches within 400 years: the Gregorian calendar repeats with that period.
const SEARCH_YEARS = 400;

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Allowed days (bits 1..31) of a month whose 1st is day number `first`. */
function dayMask(fields: CronFields, year: number, month: number, first: number): number {
  const length = month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month] ?? 31);
  const dow = fields.dowMasks[(((first + 4) % 7) + 7) % 7] ?? 0;
  const days = fields.daysEither ? fields.domMask | dow : fields.domMask & dow;
  return days & monthLengthMask(length);
}

/**
 * The smallest wall time >= `lower` (wall ms, a whole second) that matches the fields, or NaN when none
 * exists within 400 years. Pure calendar arithmetic: the walker jumps field by field (month, day, hour,
 * minute, second), resetting the smaller fields on each carry, so a call costs a few dozen operations.
 */
export function nextWallTime(fields: CronFields, lower: number): number {
  const startDays = Math.floor(lower / DAY_MS);
  let rest = lower - startDays * DAY_MS;
  // Civil date of startDays (see civil.ts), inlined: this is the hot path.
  const z = startDays + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  let month = mp < 10 ? mp + 3 : mp - 9;
  let year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  let day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  let hour = Math.floor(rest / HOUR_MS);
  rest -= hour * HOUR_MS;
  let minute = Math.floor(rest / MINUTE_MS);
  rest -= minute * MINUTE_MS;
  let second = Math.ceil(rest / SECOND_MS);
  const lastYear = year + SEARCH_YEARS;
  let maskYear = Number.NaN;
  let maskMonth = 0;
  let mask = 0;
  let first = 0;
  while (year <= lastYear) {
    const m = fields.nextMonth[month] ?? -1;
    if (m < 0) {
      year++;
      month = 1;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    if (m !== month) {
      month = m;
      day = 1;
      hour = minute = second = 0;
    }
    if (year !== maskYear || month !== maskMonth) {
      first = daysFromCivil(year, month, 1);
      mask = dayMask(fields, year, month, first);
      maskYear = year;
      maskMonth = month;
    }
    const later = day <= 31 ? mask & (-1 << day) : 0;
    if (later === 0) {
      month++;
      day = 1;
      hour = minute = second = 0;
      continue;
    }
    const d = 31 - Math.clz32(later & -later);
    if (d !== day) {
      day = d;
      hour = minute = second = 0;
    }
    const h = fields.nextHour[hour] ?? -1;
    if (h < 0) {
      day++;
      hour = minute = second = 0;
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = second = 0;
    }
    const mi = fields.nextMinute[minute] ?? -1;
    if (mi < 0) {
      hour++;
      minute = second = 0;
      continue;
    }
    if (mi !== minute) {
      minute = mi;
      second = 0;
    }
    const s = fields.nextSecond[second] ?? -1;
    if (s < 0) {
      minute++;
      second = 0;
      continue;
    }
    return (first + day - 1) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + s * SECOND_MS;
  }
  return Number.NaN;
}
