import type { AuditEntry } from '@dkron-core/kernel';
import { describe, expect, it } from 'vitest';
import { createAuditAppender, MAX_AUDIT_BATCH } from './batcher.js';

const entry = (id: string): AuditEntry => ({
  id,
  time: '2026-01-01T00:00:00.000Z',
  token: 'anonymous',
  token_accessor: '',
  source: '127.0.0.1',
  action: 'job.create',
  job: id,
  diff: null,
  details: null,
});

/** A store whose writes finish when the test says so, recording each call's ids. */
function gatedStore() {
  const calls: string[][] = [];
  const gates: { resolve(): void; reject(e: unknown): void }[] = [];
  return {
    calls,
    store: {
      appendAudit(entries: readonly AuditEntry[]) {
        calls.push(entries.map((e) => e.id));
        return new Promise<void>((resolve, reject) => gates.push({ resolve, reject }));
      },
    },
    async finish(index: number, error?: Error) {
      // Let the appender reach the write first.
      await new Promise((r) => setImmediate(r));
      const gate = gates[index]!;
      if (error) gate.reject(error);
      else gate.resolve();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('createAuditAppender', () => {
  it('writes an entry at once when no write is in flight', async () => {
    const g = gatedStore();
    const append = createAuditAppender(g.store);
    const done = append(entry('a'));
    expect(g.calls).toEqual([['a']]);
    await g.finish(0);
    await expect(done).resolves.toBeUndefined();
  });

  it('groups the entries appended during a write into the next single write', async () => {
    const g = gatedStore();
    const append = createAuditAppender(g.store);
    const first = append(entry('a'));
    const rest = ['b', 'c', 'd'].map((id) => append(entry(id)));
    expect(g.calls).toEqual([['a']]);
    await g.finish(0);
    await first;
    expect(g.calls).toEqual([['a'], ['b', 'c', 'd']]);
    await g.finish(1);
    await expect(Promise.all(rest)).resolves.toHaveLength(3);
  });

  it('rejects only the entries of a failed write, and writes the next ones', async () => {
    const g = gatedStore();
    const append = createAuditAppender(g.store);
    const first = expect(append(entry('a'))).rejects.toThrow('store unavailable');
    const second = append(entry('b'));
    await g.finish(0, new Error('store unavailable'));
    await first;
    await g.finish(1);
    await expect(second).resolves.toBeUndefined();
    const third = append(entry('c'));
    expect(g.calls).toEqual([['a'], ['b'], ['c']]);
    await g.finish(2);
    await third;
  });

  it(`writes at most ${MAX_AUDIT_BATCH} entries per call`, async () => {
    const g = gatedStore();
    const append = createAuditAppender(g.store);
    const all = [append(entry('first'))];
    for (let i = 0; i < MAX_AUDIT_BATCH + 1; i++) all.push(append(entry(`e${i}`)));
    await g.finish(0);
    await g.finish(1);
    await g.finish(2);
    await Promise.all(all);
    expect(g.calls.map((c) => c.length)).toEqual([1, MAX_AUDIT_BATCH, 1]);
  });
});
