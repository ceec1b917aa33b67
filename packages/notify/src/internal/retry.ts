/**
 * Delivery with retries: each attempt runs under a time limit, failed attempts are retried after an
 * exponentially growing wait. Nothing here throws; the caller gets the outcome and logs it.
 */

/** How one send is retried. */
export interface RetryPolicy {
  /** Attempts in total (at least 1). */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Time limit of one attempt. */
  readonly timeoutMs: number;
}

/** The result of {@link deliver}. */
export type DeliveryOutcome =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly error: unknown };

/** A failure that another attempt cannot fix (a malformed URL), so it is not retried. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/** Wait after the `failed`-th failed attempt: `initialDelayMs · 2^(failed-1)`, at most `maxDelayMs`. */
export function backoffDelay(
  failed: number,
  policy: Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs'>,
): number {
  const delay = policy.initialDelayMs * 2 ** Math.max(0, failed - 1);
  return Math.max(0, Math.min(delay, policy.maxDelayMs));
}

/**
 * Runs `send` until it succeeds, fails permanently, runs out of attempts, or `stop` aborts (which
 * cuts a wait between attempts short, never an attempt in flight).
 */
export async function deliver(
  send: (signal: AbortSignal) => Promise<void>,
  policy: RetryPolicy,
  stop: AbortSignal,
): Promise<DeliveryOutcome> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  for (let attempt = 1; ; attempt++) {
    try {
      await withTimeout(send, policy.timeoutMs);
      return { ok: true, attempts: attempt };
    } catch (error) {
      if (error instanceof PermanentError || attempt >= attempts)
        return { ok: false, attempts: attempt, error };
      await sleep(backoffDelay(attempt, policy), stop);
      if (stop.aborted) return { ok: false, attempts: attempt, error };
    }
  }
}

// The race matters: a client that ignores the signal (SMTP) still cannot hold the attempt open.
async function withTimeout(send: (signal: AbortSignal) => Promise<void>, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
    Math.max(1, timeoutMs),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      send(controller.signal).then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    // Also tells a client still working after a failure to give up.
    controller.abort(new Error('attempt over'));
  }
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  if (stop.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener('abort', done, { once: true });
  });
}
