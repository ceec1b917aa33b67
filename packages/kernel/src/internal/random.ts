/**
 * Seedable pseudo-random numbers, so that random choices (target selection, jitter) are reproducible
 * in tests and debuggable from a logged seed.
 */

/**
 * Returns a generator of floats in `[0, 1)` seeded with `seed` (mulberry32: 32-bit state, fast, and
 * good enough for picking nodes; not for secrets).
 *
 * @param seed - any finite number; only its low 32 bits matter.
 * @throws RangeError when `seed` is not a finite number.
 */
export function createRandom(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed: expected a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
