import { createMemoryAccessStore } from '@dkron-core/kernel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PRUNE_INTERVAL_MS, startAuditRetention } from './audit-retention.js';

const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const DAY = 86_400_000;

function entry(id: string, time: number) {
  return {
    id,
    time: new Date(time).toISOString(),
    token: 'anonymous',
    token_accessor: '',
    source: '127.0.0.1',
    action: 'job.run',
    job: 'a',
    diff: null,
    details: null,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('audit retention', () => {
  it('prunes what is older than the retention at start, then every hour', async () => {
    vi.useFakeTimers();
    let now = Date.parse('2024-09-01T00:00:00Z');
    const store = createMemoryAccessStore();
    await store.appendAudit([entry('old', now - 91 * DAY), entry('kept', now - 89 * DAY)]);
    const stop = await startAuditRetention({ store, retentionMs: 90 * DAY, logger, now: () => now });
    expect((await store.listAudit({})).entries.map((e) => e.id)).toEqual(['kept']);
    now += 2 * DAY;
    await vi.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS);
    expect((await store.listAudit({})).entries).toEqual([]);
    stop();
    await store.appendAudit([entry('later', now - 100 * DAY)]);
    await vi.advanceTimersByTimeAsync(PRUNE_INTERVAL_MS * 2);
    expect((await store.listAudit({})).entries.map((e) => e.id)).toEqual(['later']);
  });

  it('keeps everything with a retention of 0', async () => {
    const store = createMemoryAccessStore();
    await store.appendAudit([entry('ancient', 0)]);
    await startAuditRetention({ store, retentionMs: 0, logger });
    expect((await store.listAudit({})).total).toBe(1);
  });

  it('logs a failed prune and goes on', async () => {
    const store = createMemoryAccessStore();
    store.pruneAudit = async () => {
      throw new Error('store down');
    };
    const stop = await startAuditRetention({ store, retentionMs: DAY, logger });
    stop();
    expect(logger.warn).toHaveBeenCalledWith('audit log not pruned, trying again in an hour', {
      error: 'store down',
    });
  });
});
