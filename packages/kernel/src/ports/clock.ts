/**
 * Time as the kernel sees it. Injected so that tests drive the scheduler with fake timers.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`; delays beyond 2^31-1 ms must be split by the caller or the implementation. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
