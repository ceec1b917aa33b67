import type { Clock } from '../../ports/clock.js';

/** First and last delay between two tries of a write the store refused. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Calls `attempt` on the clock until it resolves `true` (nothing left to do), waiting 0.5 s doubling to
 * 30 s between failed tries. At most one try is pending or running at a time.
 */
export class RetryLoop {
  readonly #clock: Clock;
  readonly #attempt: () => Promise<boolean>;
  #timer: { cancel(): void } | undefined;
  #delay = RETRY_FIRST_MS;
  #stopped = false;

  constructor(clock: Clock, attempt: () => Promise<boolean>) {
    this.#clock = clock;
    this.#attempt = attempt;
  }

  /** Schedules a try in `delayMs` (default: the current backoff), unless one is already pending. */
  schedule(delayMs = this.#delay): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#attempt().then((done) => {
        this.#delay = done ? RETRY_FIRST_MS : Math.min(this.#delay * 2, RETRY_MAX_MS);
        if (!done) this.schedule();
      });
    }, delayMs);
  }

  /** Cancels the pending try; no more are scheduled. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
