import type { Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { LaunchSlot, Store } from '../../ports/store.js';

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Launches whose ledger write failed with an unknown outcome (a timeout: rqlite may still apply it).
 * Those slots did not run and count as missed (reason `store`); so that the ledger agrees, their rows
 * are taken back (`releaseLaunches`, idempotent: a row that never landed is ignored), retried with
 * backoff until the store answers. `onReleased` then restores each job's `next`, which a release moves back.
 */
export class UnresolvedLaunches {
  readonly #held = new Map<string, LaunchSlot>();
  #timer: { cancel(): void } | undefined;
  #delay = RETRY_FIRST_MS;
  #stopped = false;

  constructor(
    private readonly options: {
      readonly store: Store;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly onReleased: (jobs: ReadonlySet<string>) => void;
    },
  ) {}

  add(slots: readonly LaunchSlot[]): void {
    for (const s of slots) this.#held.set(`${s.job}\u0000${s.scheduledAt}`, s);
    this.#arm(0);
  }

  get size(): number {
    return this.#held.size;
  }

  /** One last try, then stops retrying (what is left is logged). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#held.size > 0 && !(await this.#release()))
      this.options.logger.warn('launches of unknown outcome left in the ledger at stop', {
        count: this.#held.size,
      });
  }

  #arm(delay: number): void {
    if (this.#timer || this.#stopped || this.#held.size === 0) return;
    this.#timer = this.options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#release().then((done) => {
        this.#delay = done ? RETRY_FIRST_MS : Math.min(this.#delay * 2, RETRY_MAX_MS);
        this.#arm(this.#delay);
      });
    }, delay);
  }

  async #release(): Promise<boolean> {
    const batch = [...this.#held.entries()];
    if (batch.length === 0) return true;
    try {
      await this.options.store.releaseLaunches(batch.map(([, s]) => s));
    } catch (err) {
      this.options.logger.warn('could not resolve launches of unknown outcome yet; retrying', {
        count: batch.length,
        err: String(err),
      });
      return false;
    }
    for (const [key] of batch) this.#held.delete(key);
    this.options.logger.info('took back launches of unknown outcome (they did not run, counted as missed)', {
      count: batch.length,
    });
    this.options.onReleased(new Set(batch.map(([, s]) => s.job)));
    return this.#held.size === 0;
  }
}
