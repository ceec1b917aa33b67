import type { Execution, Logger } from '@dkron-core/plugin-api';
import { type Clock, deferOf } from '../../ports/clock.js';
import type { ExecutionCompletion, LaunchIntent, LaunchSlot, Store } from '../../ports/store.js';
import { Batcher } from './batcher.js';
import { HeldStarts } from './held-starts.js';

/** A run-time change of a job: its `next`, missed slots to add. */
export interface JobPatch {
  readonly name: string;
  readonly next?: string;
  readonly missed?: number;
}

/**
 * The leader's writes to the store, batched per turn of the event loop: launch intents (the ledger
 * that makes a slot run at most once), running records, completions and job patches.
 */
export interface LaunchLedger {
  /** Records a launch; resolves `true` when this call inserted it (only then may it run). */
  launch(intent: LaunchIntent): Promise<boolean>;
  /**
   * Running record of a scheduled run, whose ledger row is already written (trim may lag). Held for
   * {@link START_HOLD_MS} when the store can record finished executions: a run that ends meanwhile
   * is written once, by {@link LaunchLedger.complete}, and this resolves with that write.
   */
  scheduledStart(execution: Execution): Promise<void>;
  /** Whether the running record of `id` is held (not sent yet): its completion need not wait for it. */
  holdsStart(id: string): boolean;
  /** Writes the running records held now (a term that ends leaves the next leader nothing hidden). */
  flushStarts(): Promise<void>;
  /** Running record of a manual run, a child or a retry. */
  start(execution: Execution): Promise<void>;
  /** Writes a completion; one whose running record is still held is written with it, in one row. */
  complete(completion: ExecutionCompletion): Promise<void>;
  patch(patch: JobPatch): Promise<void>;
  /** Takes back launches recorded for slots that did not start (see `Store.releaseLaunches`). */
  release(slots: readonly LaunchSlot[]): Promise<void>;
  /** Resolves once everything written so far is flushed. */
  drain(): Promise<void>;
}

/**
 * How long the running record of a scheduled run waits before it is written: most scheduled runs are
 * short, and one that ends within this is written once, as it ended, instead of twice.
 */
export const START_HOLD_MS = 250;

/** Patches come all at once at start; a few in flight keep start fast. */
const PATCH_CONCURRENCY = 16;

/** Creates the ledger writer over `store`, keeping `retain` executions per job. */
export function createLaunchLedger(store: Store, retain: number, logger: Logger, clock: Clock): LaunchLedger {
  const defer = deferOf(clock);
  const launches = new Batcher<LaunchIntent, boolean>(async (intents) => {
    const inserted = new Set((await store.recordLaunches(intents)).map((i) => launchKey(i)));
    // One owner per (job, slot): a second launch of a slot in the same batch inserted nothing.
    return intents.map((i) => inserted.delete(launchKey(i)));
  }, defer);
  // Running records of scheduled runs: their ledger rows are written, so their trim may lag.
  const writeScheduledStarts = (items: Execution[]) =>
    store.startExecutions(items, retain, { lagTrim: true });
  const scheduledStarts = new Batcher<Execution>(async (items) => {
    await writeScheduledStarts(items);
    return undefined;
  }, defer);
  const starts = new Batcher<Execution>(async (items) => {
    await store.startExecutions(items, retain);
    return undefined;
  }, defer);
  const completions = new Batcher<ExecutionCompletion>(async (items) => {
    await store.finishExecutions(items);
    return undefined;
  }, defer);
  const recordFinished = store.recordFinishedExecutions?.bind(store);
  const finishedRecords = recordFinished
    ? new Batcher<Execution>(async (items) => {
        await recordFinished(items, retain);
        return undefined;
      }, defer)
    : undefined;
  const held = finishedRecords ? new HeldStarts(clock, START_HOLD_MS, writeScheduledStarts) : undefined;
  const patches = new Batcher<JobPatch>(async (items) => {
    for (let i = 0; i < items.length; i += PATCH_CONCURRENCY) {
      await Promise.all(
        items.slice(i, i + PATCH_CONCURRENCY).map((p) =>
          store.patchJob(p.name, {
            ...(p.next === undefined ? {} : { next: p.next }),
            ...(p.missed ? { missedIncrement: p.missed } : {}),
          }),
        ),
      );
    }
    return undefined;
  }, defer);
  return {
    launch: (intent) => launches.add(intent),
    scheduledStart: (execution) => (held ? held.add(execution) : scheduledStarts.add(execution)),
    holdsStart: (id) => held?.holds(id) ?? false,
    flushStarts: async () => held?.flush(),
    start: (execution) => starts.add(execution),
    complete(completion) {
      const start = held?.take(completion.executionId);
      if (!start || !finishedRecords) return completions.add(completion);
      const written = finishedRecords.add({
        ...start.execution,
        status: completion.status,
        success: completion.status === 'success',
        finished_at: completion.finishedAt,
        output: completion.output,
      });
      written.then(start.resolve, start.reject);
      return written;
    },
    patch: (p) => patches.add(p),
    async release(slots) {
      if (slots.length === 0) return;
      try {
        await store.releaseLaunches(slots);
        logger.info('released launches recorded for slots that had not come yet', { count: slots.length });
      } catch (err) {
        logger.warn('could not release recorded launches; those slots will not run', {
          count: slots.length,
          err: String(err),
        });
      }
    },
    async drain() {
      await held?.flush();
      await Promise.all([
        finishedRecords?.drain(),
        launches.drain(),
        starts.drain(),
        scheduledStarts.drain(),
        completions.drain(),
        patches.drain(),
      ]);
    },
  };
}

function launchKey(intent: LaunchIntent): string {
  return `${intent.job}\u0000${intent.scheduledAt}`;
}
