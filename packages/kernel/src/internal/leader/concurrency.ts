import type { DispatchHandle } from '../../ports/dispatcher.js';

/** One trigger of a job; `cancelled` stops its pending retries. */
export interface TriggerState {
  cancelled: boolean;
}

interface Running {
  readonly job: string;
  readonly handle: Pick<DispatchHandle, 'abort'>;
  readonly ended: Promise<unknown>;
}

/**
 * What the leader knows is in progress, per job: triggers from their first attempt to their final
 * result (waits between retries included) and dispatched executions not yet finished. Seeded at the
 * start of a term from the store's running executions, so `forbid` holds across a leadership change.
 */
export class Concurrency {
  readonly #triggers = new Map<string, Set<TriggerState>>();
  readonly #running = new Map<string, Running>();

  /** Registers a trigger of a job in progress (`forbid` counts them, `replace` cancels them). */
  enter(name: string): { state: TriggerState; release: () => void } {
    const state: TriggerState = { cancelled: false };
    const states = this.#triggers.get(name) ?? new Set<TriggerState>();
    this.#triggers.set(name, states.add(state));
    const release = () => {
      states.delete(state);
      if (states.size === 0 && this.#triggers.get(name) === states) this.#triggers.delete(name);
    };
    return { state, release };
  }

  /** An execution dispatched (or found running in the store) until `ended` settles. */
  track(id: string, job: string, handle: Pick<DispatchHandle, 'abort'>, ended: Promise<unknown>): void {
    this.#running.set(id, { job, handle, ended });
    void ended.finally(() => this.#running.delete(id));
  }

  inProgress(name: string): boolean {
    if ((this.#triggers.get(name)?.size ?? 0) > 0) return true;
    for (const r of this.#running.values()) if (r.job === name) return true;
    return false;
  }

  /** Stops the pending retries of a job's triggers. */
  cancelTriggers(name: string): void {
    for (const t of this.#triggers.get(name) ?? []) t.cancelled = true;
  }

  /** Cancels a job's triggers and running executions; resolves once they ended. */
  async cancel(name: string, reason: unknown): Promise<void> {
    this.cancelTriggers(name);
    const runs = [...this.#running.values()].filter((r) => r.job === name);
    for (const r of runs) r.handle.abort(reason);
    await Promise.all(runs.map((r) => r.ended));
  }
}
