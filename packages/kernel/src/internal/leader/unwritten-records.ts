import type { Execution, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { ExecutionJournal, UnwrittenExecution } from '../../ports/execution-journal.js';
import type { ExecutionCompletion, Store } from '../../ports/store.js';
import { RetryLoop } from './retry-loop.js';

/** Beyond this many executions held, the oldest are dropped (logged): a store down for days must not exhaust memory. */
const MAX_HELD = 20_000;

export interface UnwrittenRecordsOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retain: number;
  readonly journal?: ExecutionJournal | undefined;
}

/**
 * Running records and completions the store refused (unavailable, stalled past its deadline, disk
 * full), held per execution id and written again with backoff until the store takes them, running
 * records first. Both writes are idempotent on the execution id (a running record is never reset, a
 * completion closes only a running row and counts once), so a retry whose first try did land is harmless.
 * Every change is mirrored to the journal, so a restart writes what a previous process could not.
 */
export class UnwrittenRecords {
  readonly #options: UnwrittenRecordsOptions;
  readonly #held = new Map<string, UnwrittenExecution>();
  readonly #retries: RetryLoop;
  #saving: Promise<void> = Promise.resolve();
  #flushing: Promise<boolean> | undefined;

  constructor(options: UnwrittenRecordsOptions) {
    this.#options = options;
    this.#retries = new RetryLoop(options.clock, () => this.flush());
  }

  /** Holds the running record of an execution whose first write failed. */
  keepStart(execution: Execution): void {
    this.#merge(execution.id, { start: execution });
  }

  /** Holds the completion of an execution whose write failed (or whose running record is still held). */
  keepCompletion(completion: ExecutionCompletion): void {
    this.#merge(completion.executionId, { completion });
  }

  /** Whether a running record of `id` is still waiting for the store. */
  holdsStart(id: string): boolean {
    return this.#held.get(id)?.start !== undefined;
  }

  /** Whether the result of `id` is known here (held, not yet written). */
  holdsCompletion(id: string): boolean {
    return this.#held.get(id)?.completion !== undefined;
  }

  /** Takes what the journal holds from a previous process. */
  async load(): Promise<number> {
    const { journal } = this.#options;
    if (!journal) return 0;
    const records = await journal.load();
    for (const r of records) {
      const id = r.start?.id ?? r.completion?.executionId;
      if (id !== undefined) this.#held.set(id, { ...this.#held.get(id), ...r });
    }
    return records.length;
  }

  /** Tries to write everything held now; resolves `true` when nothing is left. */
  flush(): Promise<boolean> {
    this.#flushing ??= this.#write().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops retrying; what is still held stays in the journal. */
  async stop(): Promise<void> {
    this.#retries.stop();
    await this.#saving;
  }

  #merge(id: string, part: UnwrittenExecution): void {
    const current = this.#held.get(id);
    this.#held.delete(id);
    this.#held.set(id, { ...current, ...part });
    while (this.#held.size > MAX_HELD) {
      const [oldest] = this.#held.keys();
      if (oldest === undefined) break;
      this.#held.delete(oldest);
      this.#options.logger.error('dropped an execution record the store never took', { execution: oldest });
    }
    this.#persist();
    this.#retries.schedule();
  }

  async #write(): Promise<boolean> {
    const { store, retain, logger } = this.#options;
    if (this.#held.size === 0) return true;
    const starts = [...this.#held.values()].flatMap((r) => (r.start ? [r.start] : []));
    let completions: ExecutionCompletion[] = [];
    try {
      if (starts.length > 0) {
        await store.startExecutions(starts, retain);
        for (const start of starts) {
          const current = this.#held.get(start.id);
          if (current?.start !== start) continue;
          if (current.completion) this.#held.set(start.id, { completion: current.completion });
          else this.#held.delete(start.id);
        }
      }
      // A completion is written only once its running record is stored: it closes a running row.
      completions = [...this.#held.values()].flatMap((r) => (!r.start && r.completion ? [r.completion] : []));
      if (completions.length > 0) {
        await store.finishExecutions(completions);
        for (const c of completions)
          if (this.#held.get(c.executionId)?.completion === c) this.#held.delete(c.executionId);
      }
      logger.info('wrote execution records the store had refused', {
        running: starts.length,
        completed: completions.length,
      });
    } catch (err) {
      logger.warn('store still refuses execution records; retrying', {
        held: this.#held.size,
        err: String(err),
      });
    } finally {
      this.#persist();
    }
    return this.#held.size === 0;
  }

  #persist(): void {
    const { journal, logger } = this.#options;
    if (!journal) return;
    this.#saving = this.#saving
      .then(() => journal.save([...this.#held.values()]))
      .catch((err: unknown) => logger.error('execution journal not written', { err: String(err) }));
  }
}
