import type { Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { LaunchSlot, Store } from '../../ports/store.js';
import { RetryLoop } from './retry-loop.js';

/**
 * Launches whose ledger write failed with an unknown outcome (a timeout: rqlite may still apply it).
 * Those slots did not run and count as missed (reason `store`); so that the ledger agrees, their rows
 * are taken back (`releaseLaunches`, idempotent: a row that never landed is ignored), retried with
 * backoff until the store answers. `onReleased` then restores each job's `next`, which a release moves back.
 */
export class UnresolvedLaunches {
  readonly #held = new Map<string, LaunchSlot>();
  readonly #retries: RetryLoop;

  constructor(
    private readonly options: {
      readonly store: Store;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly onReleased: (jobs: ReadonlySet<string>) => void;
    },
  ) {
    this.#retries = new RetryLoop(options.clock, () => this.#release());
  }

  add(slots: readonly LaunchSlot[]): void {
    for (const s of slots) this.#held.set(`${s.job}\u0000${s.scheduledAt}`, s);
    this.#retries.schedule(0);
  }

  /** One last try, then stops retrying (what is left is logged). */
  async stop(): Promise<void> {
    this.#retries.stop();
    if (this.#held.size > 0 && !(await this.#release()))
      this.options.logger.warn('launches of unknown outcome left in the ledger at stop', {
        count: this.#held.size,
      });
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
