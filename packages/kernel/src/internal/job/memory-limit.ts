/**
 * The shell executor's `mem_limit` syntax (Dkron): a positive number, decimals allowed, with an optional
 * 1024-based unit `B`, `K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB`, case-insensitive.
 */

import { DkronError } from '@dkron-core/plugin-api';

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['B', 1],
  ['K', 1024],
  ['KB', 1024],
  ['M', 1024 ** 2],
  ['MB', 1024 ** 2],
  ['G', 1024 ** 3],
  ['GB', 1024 ** 3],
  ['T', 1024 ** 4],
  ['TB', 1024 ** 4],
]);

function fail(reason: string): DkronError {
  return new DkronError('VALIDATION', reason, { details: { field: 'executor_config.mem_limit' } });
}

/**
 * Parses a memory limit such as `512MB`, `1.5g` or `1048576` to bytes (rounded down).
 *
 * @throws DkronError `VALIDATION` with Dkron's detail: `invalid memory limit format: <text>`,
 *   `invalid memory limit number: <number>`, `memory limit must be greater than 0`, or
 *   `unsupported memory unit: <unit> (supported: B, KB, MB, GB, TB)`.
 */
export function parseMemoryLimit(text: string): number {
  const upper = text.trim().toUpperCase();
  const split = /^([0-9.]*)(.*)$/s.exec(upper) as RegExpExecArray;
  const digits = split[1] as string;
  const unit = (split[2] as string).trim();
  if (digits === '') throw fail(`invalid memory limit format: ${text}`);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) throw fail(`invalid memory limit number: ${digits}`);
  const amount = Number(digits);
  if (amount <= 0) throw fail('memory limit must be greater than 0');
  const multiplier = UNITS.get(unit);
  if (multiplier === undefined) throw fail(`unsupported memory unit: ${unit} (supported: B, KB, MB, GB, TB)`);
  return Math.floor(amount * multiplier);
}
