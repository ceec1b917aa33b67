import { scheduleError } from './errors.js';

/**
 * A compiled cron expression: lookup tables the walker (`cron-search.ts`) reads in O(1).
 * `next*` tables give the smallest allowed value >= index, or -1; the index one past the maximum
 * is always -1 so that "carry to the next unit" needs no bounds check.
 */
export interface CronFields {
  readonly nextSecond: Int8Array;
  readonly nextMinute: Int8Array;
  readonly nextHour: Int8Array;
  readonly nextMonth: Int8Array;
  /** Allowed days of month as bits 1..31. */
  readonly domMask: number;
  /** For each weekday of the 1st of a month (0 = Sunday), the days 1..31 whose weekday is allowed. */
  readonly dowMasks: Int32Array;
  /** Both day fields restricted: a day matches if either does (otherwise both must). */
  readonly daysEither: boolean;
  /** The hour field names wall-clock hours (no `*`, `?` or step): DST gaps and overlaps follow wall time. */
  readonly hourFixed: boolean;
}

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Upper end of `*` and of `a/step` (day-of-week stops at 6 though 7 is accepted as Sunday). */
  readonly starMax: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['', 'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SECONDS: FieldSpec = { label: 'seconds', min: 0, max: 59, starMax: 59 };
const MINUTES: FieldSpec = { label: 'minutes', min: 0, max: 59, starMax: 59 };
const HOURS: FieldSpec = { label: 'hours', min: 0, max: 23, starMax: 23 };
const DOM: FieldSpec = { label: 'day-of-month', min: 1, max: 31, starMax: 31 };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, starMax: 12, names: MONTH_NAMES };
const DOW: FieldSpec = { label: 'day-of-week', min: 0, max: 7, starMax: 6, names: DAY_NAMES };

/** The values a field allows, and how it was written. */
interface ParsedField {
  readonly values: readonly boolean[];
  /** Some part is `*` or `?` (with or without a step): the field does not restrict. */
  readonly star: boolean;
  readonly stepped: boolean;
}

function parseValue(text: string, spec: FieldSpec, source: string): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      throw scheduleError(
        `${spec.label}: value ${value} out of range ${spec.min}-${spec.max} in "${source}"`,
      );
    }
    return value;
  }
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named < 0 || text === '') {
    throw scheduleError(`${spec.label}: invalid value ${JSON.stringify(text)} in "${source}"`);
  }
  return named;
}

function parseField(text: string, spec: FieldSpec, source: string): ParsedField {
  const values: boolean[] = new Array(spec.max + 1).fill(false);
  let star = false;
  let stepped = false;
  for (const part of text.split(',')) {
    const where = `in "${source}"`;
    if (part === '')
      throw scheduleError(`${spec.label}: empty list item in ${JSON.stringify(text)} ${where}`);
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw scheduleError(`${spec.label}: too many slashes in "${part}" ${where}`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      star = true;
      lo = spec.min;
      hi = spec.starMax;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw scheduleError(`${spec.label}: too many hyphens in "${part}" ${where}`);
      lo = parseValue(bounds[0] ?? '', spec, source);
      hi = bounds[1] === undefined ? lo : parseValue(bounds[1], spec, source);
      // "fri-sun" reads naturally; Sunday closes a range as 7.
      if (spec === DOW && hi === 0 && lo > 0) hi = 7;
      if (bounds[1] === undefined && stepText !== undefined) hi = spec.starMax;
      if (lo > hi) throw scheduleError(`${spec.label}: range ${lo}-${hi} is reversed ${where}`);
    }
    let step = 1;
    if (stepText !== undefined) {
      stepped = true;
      if (!/^\d+$/.test(stepText)) throw scheduleError(`${spec.label}: invalid step "${stepText}" ${where}`);
      step = Number(stepText);
      if (step < 1) throw scheduleError(`${spec.label}: step ${step} must be at least 1 ${where}`);
    }
    for (let v = lo; v <= hi; v += step) values[v] = true;
  }
  return { values, star, stepped };
}

function nextTable(values: readonly boolean[], size: number): Int8Array {
  const table = new Int8Array(size + 1).fill(-1);
  let next = -1;
  for (let i = size - 1; i >= 0; i--) {
    if (values[i]) next = i;
    table[i] = next;
  }
  return table;
}

/** Bits 1..days set. */
export function monthLengthMask(days: number): number {
  return days >= 31 ? 0xfffffffe | 0 : ((1 << (days + 1)) - 2) | 0;
}

function dowMasks(allowed: readonly boolean[]): Int32Array {
  const masks = new Int32Array(7);
  for (let first = 0; first < 7; first++) {
    let mask = 0;
    for (let day = 1; day <= 31; day++) {
      if (allowed[(first + day - 1) % 7]) mask |= 1 << day;
    }
    masks[first] = mask;
  }
  return masks;
}

const MONTH_LENGTHS: readonly (readonly number[])[] = [
  [],
  [31],
  [28, 29],
  [31],
  [30],
  [31],
  [30],
  [31],
  [31],
  [30],
  [31],
  [30],
  [31],
];

/** Refuses expressions whose days never exist, such as `0 0 0 30 2 *`, instead of searching forever. */
function checkReachable(fields: CronFields, text: { dom: string; month: string }, source: string): void {
  for (let month = 1; month <= 12; month++) {
    if (fields.nextMonth[month] !== month) continue;
    for (const length of MONTH_LENGTHS[month] ?? []) {
      for (const dow of fields.dowMasks) {
        const days = fields.daysEither ? fields.domMask | dow : fields.domMask & dow;
        if ((days & monthLengthMask(length)) !== 0) return;
      }
    }
  }
  throw scheduleError(
    `day-of-month: ${text.dom} never occurs in month ${text.month}, so "${source}" can never fire`,
  );
}

/**
 * Compiles six cron fields (seconds first; 5-field input is completed by the caller) with robfig/cron v3
 * syntax: `*`, `?`, lists, ranges, steps, `a/b` meaning `a-max/b`, month and weekday names, weekday 7 = Sunday.
 *
 * @param source the expression as the user wrote it, quoted in error messages.
 * @throws DkronError `SCHEDULE_INVALID` naming the field and value.
 */
export function compileCronFields(fields: readonly string[], source: string): CronFields {
  const [secText = '', minText = '', hourText = '', domText = '', monthText = '', dowText = ''] = fields;
  const seconds = parseField(secText, SECONDS, source);
  const minutes = parseField(minText, MINUTES, source);
  const hours = parseField(hourText, HOURS, source);
  const dom = parseField(domText, DOM, source);
  const month = parseField(monthText, MONTH, source);
  const dow = parseField(dowText, DOW, source);
  const weekdays = dow.values.slice(0, 7);
  if (dow.values[7]) weekdays[0] = true;
  let domMask = 0;
  for (let day = 1; day <= 31; day++) if (dom.values[day]) domMask |= 1 << day;
  const compiled: CronFields = {
    nextSecond: nextTable(seconds.values, 60),
    nextMinute: nextTable(minutes.values, 60),
    nextHour: nextTable(hours.values, 24),
    nextMonth: nextTable(month.values, 13),
    domMask,
    dowMasks: dowMasks(weekdays),
    daysEither: !dom.star && !dow.star,
    hourFixed: !hours.star && !hours.stepped,
  };
  checkReachable(compiled, { dom: domText, month: monthText }, source);
  return compiled;
}
