import { type Conversion, c } from '@dkron-core/plugin-api';

/** A set of accepted status codes: plain data, so two parses of one list are equal. */
export interface CodeMatcher {
  /** The configured list, normalised (`200,2xx,300-304`). */
  readonly text: string;
  /** Inclusive ranges of accepted codes. */
  readonly ranges: ReadonlyArray<readonly [from: number, to: number]>;
}

/** Whether `code` is one of the accepted codes. */
export function codeMatches(matcher: CodeMatcher, code: number): boolean {
  return matcher.ranges.some(([from, to]) => code >= from && code <= to);
}

const ITEM = /^(?:([1-5]\d\d)|([1-5])xx|([1-5]\d\d)-([1-5]\d\d))$/i;
// The published form of a list: what parseList accepts (items, commas, spaces, one trailing comma).
const ITEM_TEXT = '([1-5]\\d\\d(-[1-5]\\d\\d)?|[1-5][xX][xX])';
const LIST_TEXT = `^\\s*${ITEM_TEXT}(\\s*,\\s*${ITEM_TEXT})*\\s*,?\\s*$`;

/**
 * Parses `expectCode`: a comma-separated list of exact codes (`200`), classes (`2xx`) and ranges
 * (`200-204`), or one code as a JSON number. Each item is matched exactly (Dkron matched substrings, so
 * `1200` accepted 200).
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
  if (typeof text !== 'string') return { ok: false };
  const items = text
    .trim()
    .replace(/,$/, '')
    .split(',')
    .map((s) => s.trim());
  const ranges: Array<readonly [number, number]> = [];
  for (const item of items) {
    const m = ITEM.exec(item);
    if (m === null) {
      return {
        ok: false,
        message: `${JSON.stringify(item)} is not a status code, a class like 2xx or a range like 200-204`,
      };
    }
    if (m[1] !== undefined) ranges.push([Number(m[1]), Number(m[1])]);
    else if (m[2] !== undefined) ranges.push([Number(m[2]) * 100, Number(m[2]) * 100 + 99]);
    else {
      const from = Number(m[3]);
      const to = Number(m[4]);
      if (from > to) return { ok: false, message: `range ${JSON.stringify(item)} ends before it starts` };
      ranges.push([from, to]);
    }
  }
  return { ok: true, value: { text: items.join(','), ranges } };
}

/** The `expectCode` key. Unset: any status succeeds (Dkron's rule). */
export const expectCodeSchema = c
  .custom<CodeMatcher>({
    expected: 'status codes like "200", "200,204", "2xx" or "200-299"',
    description:
      'Status codes that count as success: a comma-separated list of codes (200), classes (2xx) and ' +
      'ranges (200-204), or one code as a number. When unset, any status counts as success, as in Dkron.',
    json: { type: 'integer', minimum: 100, maximum: 599 },
    text: { type: 'string', pattern: LIST_TEXT },
    convert: parseExpectCode,
  })
  .optional();
