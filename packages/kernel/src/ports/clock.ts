/**
 * Time as the kernel sees it. Injected so that tests drive the scheduler with fake timers.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` after `ms`; delays beyond 2^31-1 ms must be split by the caller or the implementation. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
  /**
   * Calls `fn` once the current turn of the event loop and its pending I/O are done (Node's
   * `setImmediate`): what groups the writes of one turn into one batch. Default: `setImmediate`.
   */
  defer?(fn: () => void): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
  defer: (fn) => setImmediate(fn),
};

/** `clock.defer`, or the system clock's. */
export function deferOf(clock: Clock): (fn: () => void) => void {
  return clock.defer ? (fn) => clock.defer?.(fn) : (systemClock.defer as (fn: () => void) => void);
}
