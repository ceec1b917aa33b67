const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses a memory limit as Dkron does: a byte count, or a number (decimals allowed) followed by
 * `B`, `K`/`KB`, `M`/`MB`, `G`/`GB` or `T`/`TB`, all 1024-based and case-insensitive.
 * Returns `undefined` when `text` is not such a size or is not positive.
 */
export function parseMemLimit(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const unit = UNITS[(match[2] as string).toUpperCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}
