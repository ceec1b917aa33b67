/** Exponential backoff with equal jitter: half the step is fixed, half random, so retries spread out. */
export interface Backoff {
  /** The delay before retry number `attempt` (1-based), in ms. */
  delay(attempt: number): number;
}

/** A backoff of `baseMs × 2^(attempt-1)`, capped at `maxMs`, with equal jitter. */
export function createBackoff(baseMs: number, maxMs: number, random: () => number = Math.random): Backoff {
  return {
    delay(attempt) {
      const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
      return step / 2 + random() * (step / 2);
    },
  };
}

/** Resolves after `ms` (unref'd so a pending retry never keeps the process alive). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}
