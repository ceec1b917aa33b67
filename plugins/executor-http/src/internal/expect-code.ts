import { type Conversion, customSchema, shown } from './custom-schema.js';

/** A set of accepted status codes. */
export interface CodeMatcher {
  /** The configured list, normalised (`200,2xx,300-304`). */
  readonly text: string;
  matches(code: number): boolean;
}

const ITEM = /^(?:([1-5]\d\d)|([1-5])xx|([1-5]\d\d)-([1-5]\d\d))$/i;

/**
 * Parses `expectCode`: a comma-separated list of exact codes (`200`), classes (`2xx`) and ranges
 * (`200-204`). Each item is matched exactly (Dkron matched substrings, so `1200` accepted 200).
 */
export function parseExpectCode(input: unknown): Conversion<CodeMatcher> {
  // The host parses the config at every run; jobs repeat a handful of lists.
  const key = typeof input === 'string' ? input : undefined;
  const known = key === undefined ? undefined : parsed.get(key);
  if (known !== undefined) return known;
  const result = parseList(input);
  if (key !== undefined) {
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(key, result);
  }
  return result;
}

const parsed = new Map<string, Conversion<CodeMatcher>>();

function parseList(input: unknown): Conversion<CodeMatcher> {
  const text = typeof input === 'number' ? String(input) : input;
  if (typeof text !== 'string') {
    return { ok: false, message: `expected a list like "200,201" or "2xx", got ${shown(input)}` };
  }
  const ranges: Array<readonly [number, number]> = [];
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    const m = ITEM.exec(item);
    if (m === null) {
      return {
        ok: false,
        message: `${shown(item)} is not a status code, a class like 2xx or a range like 200-204`,
      };
    }
    if (m[1] !== undefined) ranges.push([Number(m[1]), Number(m[1])]);
    else if (m[2] !== undefined) ranges.push([Number(m[2]) * 100, Number(m[2]) * 100 + 99]);
    else {
      const from = Number(m[3]);
      const to = Number(m[4]);
      if (from > to) return { ok: false, message: `range ${shown(item)} ends before it starts` };
      ranges.push([from, to]);
    }
  }
  if (ranges.length === 0) return { ok: false, message: `no status code in ${shown(input)}` };
  return {
    ok: true,
    value: {
      text: items.join(','),
      matches: (code) => ranges.some(([from, to]) => code >= from && code <= to),
    },
  };
}

/** The `expectCode` key. Unset: any status succeeds (Dkron's rule). */
export const expectCodeSchema = customSchema<CodeMatcher | undefined>(
  {
    json: {
      anyOf: [
        {
          type: 'string',
          pattern:
            '^\\s*([1-5]\\d\\d(-[1-5]\\d\\d)?|[1-5][xX][xX])(\\s*,\\s*([1-5]\\d\\d(-[1-5]\\d\\d)?|[1-5][xX][xX]))*\\s*,?\\s*$',
        },
        { type: 'integer', minimum: 100, maximum: 599 },
      ],
    },
    convert: parseExpectCode,
  },
  'Status codes that count as success: a comma-separated list of codes (200), classes (2xx) and ranges ' +
    '(200-204). When unset, any status counts as success, as in Dkron.',
);
