/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long; default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between attempts; default 100 ms. */
  readonly intervalMs?: number;
  /** Names what is awaited in the timeout error. */
  readonly message?: string;
}

/**
 * Calls `fn` until it returns a value other than `undefined`/`false` without throwing, and returns
 * that value. On timeout it throws, naming `message` and the last error or value seen.
 */
export async function waitFor<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt finished';
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
      last = `returned ${String(value)}`;
    } catch (err) {
      last = `threw ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `waitFor: ${options.message ?? 'condition'} not met within ${timeoutMs} ms (last attempt ${last})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
