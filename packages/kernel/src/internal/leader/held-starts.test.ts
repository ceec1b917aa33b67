import type { Execution } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../ports/store.js';
import { createFakeClock, settle, silentLogger } from '../agent/test-kit.js';
import { toJob } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createLaunchLedger, START_HOLD_MS } from './launch-ledger.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function running(job: string, n: number): Execution {
  return {
    id: `${T0}00000${n}-n1`,
    job_name: job,
    started_at: '2026-12-01T10:00:00Z',
    finished_at: '0001-01-01T00:00:00Z',
    success: false,
    output: '',
    node_name: 'n1',
    group: T0 * 1_000_000,
    attempt: 1,
    status: 'running',
    scheduled_at: '2026-12-01T10:00:00Z',
  };
}

/** A memory store that counts the writes of each kind. */
async function countingStore(): Promise<{ store: Store; writes: Record<string, number> }> {
  const inner = createMemoryStore();
  await inner.saveJob(toJob({ name: 'short', schedule: '@every 1s' }));
  await inner.saveJob(toJob({ name: 'long', schedule: '@every 1s' }));
  const writes: Record<string, number> = { start: 0, finish: 0, finished: 0 };
  const store: Store = {
    ...inner,
    async startExecutions(executions, retain, options) {
      writes.start = (writes.start ?? 0) + executions.length;
      return inner.startExecutions(executions, retain, options);
    },
    async finishExecutions(completions) {
      writes.finish = (writes.finish ?? 0) + completions.length;
      return inner.finishExecutions(completions);
    },
    async recordFinishedExecutions(executions, retain) {
      writes.finished = (writes.finished ?? 0) + executions.length;
      return inner.recordFinishedExecutions?.(executions, retain);
    },
  };
  return { store, writes };
}

describe('running records of scheduled runs, held', () => {
  it('writes a run that ends within the hold once, as it ended; a longer one twice', async () => {
    const { store, writes } = await countingStore();
    const clock = createFakeClock(T0);
    const ledger = createLaunchLedger(store, 100, silentLogger, clock);
    const short = running('short', 1);
    const long = running('long', 2);
    const shortStarted = ledger.scheduledStart(short);
    const longStarted = ledger.scheduledStart(long);
    expect(ledger.holdsStart(short.id)).toBe(true);
    await clock.advance(10);
    expect(writes).toEqual({ start: 0, finish: 0, finished: 0 });
    await ledger.complete({
      jobName: 'short',
      executionId: short.id,
      status: 'success',
      finishedAt: '2026-12-01T10:00:00.010Z',
      output: 'ok',
    });
    await shortStarted;
    expect(await store.getExecution('short', short.id)).toMatchObject({ status: 'success', output: 'ok' });
    expect((await store.getJob('short'))?.success_count).toBe(1);
    // The long one is still held: not in the store yet, then written as running after the hold.
    expect(await store.getExecution('long', long.id)).toBeUndefined();
    await clock.advance(START_HOLD_MS);
    await longStarted;
    expect(await store.getExecution('long', long.id)).toMatchObject({ status: 'running' });
    expect(ledger.holdsStart(long.id)).toBe(false);
    await ledger.complete({
      jobName: 'long',
      executionId: long.id,
      status: 'failed',
      finishedAt: '2026-12-01T10:00:05Z',
      output: 'no',
    });
    expect(writes).toEqual({ start: 1, finish: 1, finished: 1 });
    expect((await store.getJob('long'))?.error_count).toBe(1);
  });

  it('rejects both promises when the one write fails, so the records are kept and retried', async () => {
    const { store } = await countingStore();
    store.recordFinishedExecutions = async () => {
      throw new Error('store down');
    };
    const clock = createFakeClock(T0);
    const ledger = createLaunchLedger(store, 100, silentLogger, clock);
    const e = running('short', 3);
    const started = ledger.scheduledStart(e);
    const startError = started.catch((err: Error) => err.message);
    const completed = ledger.complete({
      jobName: 'short',
      executionId: e.id,
      status: 'success',
      finishedAt: '2026-12-01T10:00:00.010Z',
      output: '',
    });
    await expect(completed).rejects.toThrow('store down');
    expect(await startError).toBe('store down');
  });

  it('drain and the end of a term write what is held at once', async () => {
    const { store } = await countingStore();
    const clock = createFakeClock(T0);
    const ledger = createLaunchLedger(store, 100, silentLogger, clock);
    const e = running('long', 4);
    void ledger.scheduledStart(e);
    await ledger.flushStarts();
    expect(await store.getExecution('long', e.id)).toMatchObject({ status: 'running' });
    const f = running('short', 5);
    void ledger.scheduledStart(f);
    await ledger.drain();
    await settle();
    expect(await store.getExecution('short', f.id)).toMatchObject({ status: 'running' });
  });
});
