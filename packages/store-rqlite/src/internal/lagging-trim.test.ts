import { describe, expect, it } from 'vitest';
import { executionTrimEvery, LaggingTrim } from './lagging-trim.js';

describe('LaggingTrim', () => {
  it('names a job once it has gone `every` inserts since its last trim', () => {
    const trim = new LaggingTrim(() => 0);
    for (let i = 0; i < 9; i++) expect(trim.due([['a', 1]], 10)).toEqual([]);
    expect(trim.due([['a', 1]], 10)).toEqual(['a']);
    expect(trim.due([['a', 9]], 10)).toEqual([]);
    expect(trim.due([['a', 1]], 10)).toEqual(['a']);
  });

  it('spreads jobs in lockstep over batches by a random first offset', () => {
    let n = 0;
    const trim = new LaggingTrim(() => (n++ % 10) / 10);
    const jobs = Array.from({ length: 100 }, (_, i) => [`job-${i}`, 1] as const);
    const perBatch = Array.from({ length: 10 }, () => trim.due(jobs, 10).length);
    expect(perBatch.every((count) => count === 10)).toBe(true);
  });

  it('trims every tenth of retain, at least every 10 inserts', () => {
    expect(executionTrimEvery(5)).toBe(10);
    expect(executionTrimEvery(100)).toBe(10);
    expect(executionTrimEvery(1_000)).toBe(100);
  });
});
