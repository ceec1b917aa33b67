import { goDurationToMs } from '@dkron-core/plugin-api';

/**
 * Reads a Go duration (`30s`, `1h30m`, `500ms`) to milliseconds, or `undefined` when invalid.
 * Unlike {@link goDurationToMs}, a bare number other than `0` is refused: Go reads it as nanoseconds
 * and the http executor as seconds, so a config value without a unit is ambiguous.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t !== '0' && /^[+-]?\d+(\.\d+)?$/.test(t)) return undefined;
  const ms = goDurationToMs(t);
  return ms === undefined || ms < 0 ? undefined : ms;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Writes milliseconds as a Go duration (`90000` → `1m30s`, `250` → `250ms`), for help and docs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 || (out !== '' && rest > 0)) out += `${n}${unit}`;
    rest -= n * size;
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}
