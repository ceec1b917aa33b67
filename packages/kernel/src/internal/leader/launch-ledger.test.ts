import { describe, expect, it } from 'vitest';
import { createFakeClock, silentLogger } from '../agent/test-kit.js';
import { toJob } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createLaunchLedger } from './launch-ledger.js';

describe('launch ledger', () => {
  it('gives a (job, slot) launched twice in one batch to one caller only', async () => {
    const store = createMemoryStore();
    await store.saveJob(toJob({ name: 'a', schedule: '@every 1s' }));
    const ledger = createLaunchLedger(store, 100, silentLogger, createFakeClock(0));
    const intent = { job: 'a', scheduledAt: 1_000, group: 1_000_000_000, epoch: 1, next: 2_000 };
    const owned = await Promise.all([ledger.launch(intent), ledger.launch({ ...intent })]);
    expect(owned.sort()).toEqual([false, true]);
    // A later batch owns nothing of it either.
    expect(await ledger.launch(intent)).toBe(false);
  });
});
