import type { Clock } from '../../ports/clock.js';

/** The waits of a term (retry backoffs): each resolves `true` when it ran out, `false` when the term ended. */
export class Sleeps {
  readonly #clock: Clock;
  readonly #pending = new Set<{ cancel(): void; resolve(ok: boolean): void }>();
  #ended = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Waits `ms`; resolves `false` at once once the term ended, or when it ends meanwhile. */
  sleep(ms: number): Promise<boolean> {
    if (this.#ended) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const sleep = { resolve, cancel: () => {} };
      const timer = this.#clock.setTimeout(
        () => {
          this.#pending.delete(sleep);
          resolve(true);
        },
        Math.max(ms, 0),
      );
      sleep.cancel = () => timer.cancel();
      this.#pending.add(sleep);
    });
  }

  /** Ends every wait (`false`), and every later one at once. */
  end(): void {
    this.#ended = true;
    for (const s of this.#pending) {
      s.cancel();
      s.resolve(false);
    }
    this.#pending.clear();
  }
}
