import { validationError } from './errors.js';

// Nanoseconds per unit, as in Go's time.ParseDuration. Both micro signs are accepted, like Go.
const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

// Go durations are int64 nanoseconds; longer texts are refused, as Go does.
const MAX_NS = (1n << 63n) - 1n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Parses a Go duration (`time.ParseDuration` syntax): an optional sign, then one or more decimal numbers,
 * each with a unit among `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`, e.g. `1h30m`, `1.5h`, `500ms`, `-1s`.
 * A bare `0` is allowed. Computed exactly in nanoseconds, then returned in (possibly fractional) milliseconds.
 *
 * @returns the duration in milliseconds (negative for a leading `-`).
 * @throws DkronError `VALIDATION` with Go's message, e.g. `unknown unit "d" in duration "1d"`.
 */
export function parseGoDuration(text: string): number {
  const invalid = () => validationError(`invalid duration ${JSON.stringify(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let totalNs = 0n;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== '.' && !isDigit(c)) throw invalid();
    const intStart = i;
    while (isDigit(s[i])) i++;
    const intPart = s.slice(intStart, i);
    let fracPart = '';
    if (s[i] === '.') {
      const fracStart = ++i;
      while (isDigit(s[i])) i++;
      fracPart = s.slice(fracStart, i);
    }
    if (intPart === '' && fracPart === '') throw invalid();
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    const unit = s.slice(unitStart, i);
    if (unit === '') throw validationError(`missing unit in duration ${JSON.stringify(text)}`);
    const perUnit = UNIT_NS.get(unit);
    if (perUnit === undefined) {
      throw validationError(`unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    }
    totalNs += BigInt(intPart || '0') * perUnit;
    if (fracPart !== '') {
      // Go truncates the fraction towards zero at nanosecond precision.
      totalNs += (BigInt(fracPart) * perUnit) / 10n ** BigInt(fracPart.length);
    }
    if (totalNs > MAX_NS) throw invalid();
  }
  const ms = Number(totalNs) / 1e6;
  return negative && ms !== 0 ? -ms : ms;
}
