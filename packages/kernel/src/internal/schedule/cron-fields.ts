import { CronExpressionParser, type CronFieldCollection } from 'cron-parser';
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

/** The position of a field in cron-parser's field collection. */
type Slot = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

interface FieldSpec {
  readonly label: string;
  readonly slot: Slot;
  readonly min: number;
  readonly max: number;
  /** Upper end of `*` and of `a/step` (day-of-week stops at 6 though 7 is accepted as Sunday). */
  readonly starMax: number;
  readonly names?: readonly string[];
}

const MONTH_NAMES = ['', 'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const SECONDS: FieldSpec = { label: 'seconds', slot: 'second', min: 0, max: 59, starMax: 59 };
const MINUTES: FieldSpec = { label: 'minutes', slot: 'minute', min: 0, max: 59, starMax: 59 };
const HOURS: FieldSpec = { label: 'hours', slot: 'hour', min: 0, max: 23, starMax: 23 };
const DOM: FieldSpec = { label: 'day-of-month', slot: 'dayOfMonth', min: 1, max: 31, starMax: 31 };
const MONTH: FieldSpec = { label: 'month', slot: 'month', min: 1, max: 12, starMax: 12, names: MONTH_NAMES };
const DOW: FieldSpec = {
  label: 'day-of-week',
  slot: 'dayOfWeek',
  min: 0,
  max: 7,
  starMax: 6,
  names: DAY_NAMES,
};
const SPECS: readonly FieldSpec[] = [SECONDS, MINUTES, HOURS, DOM, MONTH, DOW];

/** A field that passed our syntax checks: its items for cron-parser, and how it was written. */
interface CheckedField {
  /** Distinct list items, in order, in the form handed to cron-parser. */
  readonly items: readonly string[];
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

// Items longer than this are handed over in numeric form (`007-0012` as `7-12`): cron-parser refuses
// expressions over 1024 characters, and an item's meaning does not depend on how it was spelt.
const MAX_ITEM_TEXT = 32;

/**
 * Checks one field against robfig/cron v3 syntax, with Dkron-style messages: this is where every error
 * about a cron field comes from. Only digits, month and weekday names, `*`, `?`, `-`, `/` and `,` pass,
 * so cron-parser's own extensions (`L`, `W`, `#`, `H`) never reach it. The values themselves are left to
 * cron-parser (see {@link expandFields}), except where its reading of the standard syntax differs from
 * robfig's; each such item is handed over in the numeric form robfig means:
 * - day of week `a/step`: robfig reads `a-6/step`, cron-parser `a-7/step` (adding Sunday as 7);
 * - day of week `fri-sun` / `5-0`: a range closed by Sunday ends at 7; cron-parser calls it reversed.
 */
function checkField(text: string, spec: FieldSpec, source: string): CheckedField {
  const items = new Set<string>();
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
    let robfigOnly = false;
    const isStar = range === '*' || range === '?';
    if (isStar) {
      star = true;
      lo = spec.min;
      hi = spec.starMax;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw scheduleError(`${spec.label}: too many hyphens in "${part}" ${where}`);
      lo = parseValue(bounds[0] ?? '', spec, source);
      hi = bounds[1] === undefined ? lo : parseValue(bounds[1], spec, source);
      // "fri-sun" reads naturally; Sunday closes a range as 7.
      if (spec === DOW && hi === 0 && lo > 0) {
        hi = 7;
        robfigOnly = true;
      }
      if (bounds[1] === undefined && stepText !== undefined) {
        hi = spec.starMax;
        robfigOnly ||= spec === DOW;
      }
      if (lo > hi) throw scheduleError(`${spec.label}: range ${lo}-${hi} is reversed ${where}`);
    }
    let step = 1;
    if (stepText !== undefined) {
      stepped = true;
      if (!/^\d+$/.test(stepText)) throw scheduleError(`${spec.label}: invalid step "${stepText}" ${where}`);
      // A step wider than the field means "the first value only": clamping keeps the number small.
      step = Math.min(Number(stepText), spec.max - spec.min + 1);
      if (step < 1) throw scheduleError(`${spec.label}: step ${step} must be at least 1 ${where}`);
    }
    let item = part;
    if (robfigOnly || part.length > MAX_ITEM_TEXT) {
      const numeric = isStar ? '*' : lo === hi && stepText === undefined ? `${lo}` : `${lo}-${hi}`;
      item = stepText === undefined ? numeric : `${numeric}/${step}`;
    }
    items.add(item);
  }
  return { items: [...items], star, stepped };
}

// Fields that restrict nothing, for the slots of a parse that reads other fields. Day of week is `0-7`, not
// `*`: see expandFields.
const NEUTRAL = ['*', '*', '*', '*', '*', '0-7'];

/**
 * The values each field allows, as read by cron-parser 5 (`CronExpressionParser.parse(...).fields`) from
 * the checked items.
 *
 * robfig takes the union of a list's items even when they overlap (`1-10,5`, weekdays `0,7`); cron-parser
 * refuses such lists ("duplicate values found"). So each list item is parsed on its own: parse `r` holds
 * item `r` of every field that has one, and neutral values (not read) elsewhere. A single-item expression
 * such as `0 30 2 * * 1-5` takes one parse.
 *
 * Two more cron-parser rules are kept out of the way:
 * - with a wildcard day of week it refuses a day of month that never occurs in the months
 *   ("Invalid explicit day of month definition"); our reachability check must see that case to explain it,
 *   so a day of week written as a lone `*` or `?` is handed over as `0-7` (the same values);
 * - with a single month in the parse it drops the days of month that month lacks (`29-31` in `feb` reads
 *   `29`). When the month field is one item, that is the whole month field and such days never match
 *   anyway; when it has several items, the day-of-month items are parsed after them, with a neutral month.
 *
 * @returns per field (seconds first), a table of allowed values indexed by value; day of week 7 is 0.
 */
function expandFields(checked: readonly CheckedField[], source: string): boolean[][] {
  const values = SPECS.map((spec) => new Array<boolean>(spec.max + 1).fill(false));
  const monthItems = checked[4]?.items.length ?? 1;
  const firstRound = checked.map((_, index) => (index === 3 && monthItems > 1 ? monthItems : 0));
  const rounds = Math.max(...checked.map((field, index) => (firstRound[index] ?? 0) + field.items.length));
  for (let round = 0; round < rounds; round++) {
    const fields = checked.map((field, index) => field.items[round - (firstRound[index] ?? 0)]);
    const texts = fields.map((item, index) => item ?? (NEUTRAL[index] as string));
    if (texts[5] === '*' || texts[5] === '?') texts[5] = '0-7';
    const expression = texts.join(' ');
    let parsed: CronFieldCollection;
    try {
      parsed = CronExpressionParser.parse(expression, { strict: false }).fields;
    } catch (error) {
      // Our checks admit only syntax cron-parser reads; reaching this is a bug, reported as the schedule's.
      const reason = error instanceof Error ? error.message : String(error);
      throw scheduleError(`cron-parser refused "${expression}" (from "${source}"): ${reason}`, error);
    }
    SPECS.forEach((spec, index) => {
      if (fields[index] === undefined) return;
      const table = values[index] as boolean[];
      for (const value of parsed[spec.slot].values) {
        if (typeof value === 'number') table[spec === DOW && value === 7 ? 0 : value] = true;
      }
    });
  }
  return values;
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

// Compiled fields by field texts, so that re-parsing a job's schedule skips cron-parser. Bounded: when
// full it starts over.
const compiledCache = new Map<string, CronFields>();
const MAX_CACHED = 512;

/**
 * Compiles six cron fields (seconds first; 5-field input is completed by the caller) with robfig/cron v3
 * syntax: `*`, `?`, lists, ranges, steps, `a/b` meaning `a-max/b`, month and weekday names, weekday 7 = Sunday.
 * The syntax is checked here (all error messages); the allowed values are read by cron-parser.
 *
 * @param source the expression as the user wrote it, quoted in error messages.
 * @throws DkronError `SCHEDULE_INVALID` naming the field and value.
 */
export function compileCronFields(fields: readonly string[], source: string): CronFields {
  const key = fields.join(' ');
  const cached = compiledCache.get(key);
  if (cached !== undefined) return cached;
  const checked = SPECS.map((spec, i) => checkField(fields[i] ?? '', spec, source));
  const values = expandFields(checked, source);
  const allowed = (i: number): boolean[] => values[i] ?? [];
  const star = (i: number): boolean => checked[i]?.star ?? true;
  let domMask = 0;
  for (let day = 1; day <= 31; day++) if (allowed(3)[day]) domMask |= 1 << day;
  const compiled: CronFields = {
    nextSecond: nextTable(allowed(0), 60),
    nextMinute: nextTable(allowed(1), 60),
    nextHour: nextTable(allowed(2), 24),
    nextMonth: nextTable(allowed(4), 13),
    domMask,
    dowMasks: dowMasks(allowed(5).slice(0, 7)),
    daysEither: !star(3) && !star(5),
    hourFixed: !star(2) && !checked[2]?.stepped,
  };
  checkReachable(compiled, { dom: fields[3] ?? '', month: fields[4] ?? '' }, source);
  if (compiledCache.size >= MAX_CACHED) compiledCache.clear();
  compiledCache.set(key, compiled);
  return compiled;
}
