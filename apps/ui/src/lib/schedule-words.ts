/**
 * A plain-words reading of a Dkron schedule ("every 10 seconds", "at 02:30 on weekdays"). It is a
 * description only: validity and fire times come from the server (`/v1/schedule/preview`), which runs
 * the kernel's schedule engine.
 */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': 'every year on 1 January at 00:00',
  '@annually': 'every year on 1 January at 00:00',
  '@monthly': 'on day 1 of every month at 00:00',
  '@weekly': 'every Sunday at 00:00',
  '@daily': 'every day at 00:00',
  '@midnight': 'every day at 00:00',
  '@hourly': 'every hour, on the hour',
  '@minutely': 'every minute',
};

const UNITS: [string, string][] = [
  ['h', 'hour'],
  ['m', 'minute'],
  ['s', 'second'],
  ['ms', 'millisecond'],
];

const plural = (n: number | string, unit: string) => `${n} ${unit}${Number(n) === 1 ? '' : 's'}`;

/** `1h30m` → `1 hour 30 minutes`; `undefined` when it is not a Go duration. */
export function durationWords(text: string): string | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts
    .map(([, n = '', u = '']) => {
      const unit = UNITS.find(([k]) => k === u)?.[1] ?? u;
      return plural(n, unit);
    })
    .join(' ');
}

function pad(n: string): string {
  return n.padStart(2, '0');
}

const isNum = (f: string) => /^\d+$/.test(f);
const isAny = (f: string) => f === '*' || f === '?';
const stepOf = (f: string) => /^(?:\*|0)\/(\d+)$/.exec(f)?.[1];

function names(field: string, table: string[], words: string[], offset: number): string {
  return field
    .split(',')
    .map((part) => {
      const upper = part.toUpperCase();
      const word = (token: string) => {
        const i = table.indexOf(token);
        if (i >= 0) return words[i] ?? token;
        const n = Number(token);
        return Number.isInteger(n) ? (words[(n - offset + words.length) % words.length] ?? token) : token;
      };
      const range = /^([A-Z0-9]+)-([A-Z0-9]+)$/.exec(upper);
      if (range) return `${word(range[1] ?? '')} to ${word(range[2] ?? '')}`;
      return word(upper);
    })
    .join(', ');
}

function dayPart(dom: string, month: string, dow: string): string {
  const parts: string[] = [];
  const weekday = dow.toUpperCase();
  if (!isAny(dow)) {
    if (weekday === '1-5' || weekday === 'MON-FRI') parts.push('on weekdays');
    else if (['0,6', '6,0', 'SAT,SUN', 'SUN,SAT'].includes(weekday)) parts.push('on weekends');
    else parts.push(`on ${names(dow, DAY_NAMES, DAYS, 0)}`);
  }
  if (!isAny(dom)) {
    if (dom === 'L') parts.push('on the last day of the month');
    else parts.push(`on day ${dom.replaceAll(',', ', ')} of the month`);
  }
  if (!isAny(month)) parts.push(`in ${names(month, MONTH_NAMES, MONTHS, 1)}`);
  return parts.join(' ');
}

function field(value: string, unit: string): string {
  const step = stepOf(value);
  if (step) return `every ${plural(step, unit)}`;
  if (isAny(value)) return `every ${unit}`;
  if (value.includes('~')) return `at a fixed ${unit} chosen from the job name`;
  return `at ${unit} ${value.replaceAll(',', ', ')}`;
}

function timePart(sec: string, min: string, hour: string): string {
  if (isNum(sec) && isNum(min) && isNum(hour)) {
    return `at ${pad(hour)}:${pad(min)}${sec === '0' ? '' : `:${pad(sec)}`}`;
  }
  if (isNum(sec) && isNum(min) && isAny(hour)) {
    if (sec === '0' && min === '0') return 'every hour, on the hour';
    return `every hour at minute ${min}${sec === '0' ? '' : ` and ${plural(sec, 'second')}`}`;
  }
  if (isAny(sec)) {
    if (isAny(min) && isAny(hour)) return 'every second';
    return [field(sec, 'second'), field(min, 'minute'), field(hour, 'hour')].join(', ');
  }
  if (stepOf(sec) && isAny(min) && isAny(hour)) return field(sec, 'second');
  if (sec === '0' && isAny(min) && isAny(hour)) return 'every minute';
  if (sec === '0' && stepOf(min) && isAny(hour)) return field(min, 'minute');
  if (sec === '0' && isNum(min) && stepOf(hour)) return `${field(hour, 'hour')} at minute ${min}`;
  const parts = [field(sec, 'second'), field(min, 'minute'), field(hour, 'hour')];
  return parts.filter((p) => p !== 'every hour').join(', ');
}

/** The plain-words reading, or `undefined` when the text is not a form this reader knows. */
export function describeSchedule(expression: string): string | undefined {
  let text = expression.trim();
  let zone = '';
  const prefix = /^(?:CRON_)?TZ=(\S+)\s+/.exec(text);
  if (prefix) {
    zone = ` (${prefix[1]})`;
    text = text.slice(prefix[0].length);
  }
  if (text === '') return undefined;
  const lower = text.toLowerCase();
  if (DESCRIPTORS[lower]) return DESCRIPTORS[lower] + zone;
  if (lower === '@manually') return 'only when run by hand or by its parent';
  if (lower.startsWith('@every')) {
    const words = durationWords(text.slice(6).trim());
    return words ? `every ${words}` : undefined;
  }
  if (lower.startsWith('@at ')) return `once, at ${text.slice(4).trim()}`;
  if (lower.startsWith('@after ')) {
    const [, at, grace] = text.split(/\s+/);
    return `once, at ${at}${grace ? `, or up to ${grace.slice(1)} later if missed` : ''}`;
  }
  if (lower.startsWith('@')) return undefined;
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return undefined;
  const [sec = '0', min = '*', hour = '*', dom = '*', month = '*', dow = '*'] =
    fields.length === 5 ? ['0', ...fields] : fields;
  const days = dayPart(dom, month, dow);
  return `${timePart(sec, min, hour)}${days ? ` ${days}` : ''}${zone}`;
}
