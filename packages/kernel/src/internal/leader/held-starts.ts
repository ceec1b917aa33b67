import type { Execution } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';

/** A running record held back, with the promise of its write. */
export interface HeldStart {
  readonly execution: Execution;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Running records of scheduled runs, held for a short while before they are written, all of a batch
 * under one timer: a run that ends meanwhile is written once, as it ended (see `LaunchLedger.complete`),
 * which halves the store's writes for the short jobs that make up most schedules. The launch itself is
 * already durable in the ledger; a server stopped while a record is held finds the launch without an
 * execution at its next start (`Store.launchesWithoutExecutions`).
 */
export class HeldStarts {
  readonly #clock: Clock;
  readonly #holdMs: number;
  readonly #write: (executions: Execution[]) => Promise<void>;
  #held = new Map<string, HeldStart>();
  #timer: { cancel(): void } | undefined;

  constructor(clock: Clock, holdMs: number, write: (executions: Execution[]) => Promise<void>) {
    this.#clock = clock;
    this.#holdMs = holdMs;
    this.#write = write;
  }

  /** Holds a running record; resolves once it is written (or written as it ended). */
  add(execution: Execution): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#held.set(execution.id, { execution, resolve, reject });
      this.#timer ??= this.#clock.setTimeout(() => void this.flush(), this.#holdMs);
    });
  }

  /** Whether the running record of `id` is still held (not sent to the store). */
  holds(id: string): boolean {
    return this.#held.has(id);
  }

  /** Takes a held record out (its run ended): the caller writes it and settles its promise. */
  take(id: string): HeldStart | undefined {
    const held = this.#held.get(id);
    if (held) this.#held.delete(id);
    return held;
  }

  /** Writes every held record now, in one batch. */
  async flush(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    const batch = [...this.#held.values()];
    this.#held = new Map();
    if (batch.length === 0) return;
    try {
      await this.#write(batch.map((h) => h.execution));
      for (const h of batch) h.resolve();
    } catch (err) {
      for (const h of batch) h.reject(err);
    }
  }
}
