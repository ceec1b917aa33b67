import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryWatch } from './memory-watch.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createMemoryWatch', () => {
  it('samples all watched groups in one scan per interval and reports each excess once', async () => {
    vi.useFakeTimers();
    const usage = new Map([
      [10, 100],
      [20, 100],
    ]);
    const scans: number[][] = [];
    const watch = createMemoryWatch(1000, async (pgids) => {
      scans.push([...pgids]);
      return usage;
    });
    const exceeded: Array<[number, number]> = [];
    watch.watch(10, 150, (bytes) => exceeded.push([10, bytes]));
    watch.watch(20, 500, (bytes) => exceeded.push([20, bytes]));

    await vi.advanceTimersByTimeAsync(999);
    expect(scans).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(scans).toEqual([[10, 20]]);
    expect(exceeded).toEqual([]);

    usage.set(10, 151);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exceeded).toEqual([[10, 151]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(exceeded).toEqual([[10, 151]]);
    expect(scans.at(-1)).toEqual([20]);
  });

  it('stops its timer when nothing is watched', async () => {
    vi.useFakeTimers();
    const sample = vi.fn(async () => new Map<number, number>());
    const watch = createMemoryWatch(1000, sample);
    const stop = watch.watch(1, 10, () => {});
    await vi.advanceTimersByTimeAsync(1000);
    expect(sample).toHaveBeenCalledTimes(1);
    stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sample).toHaveBeenCalledTimes(1);
  });

  it('does not stack scans when one is slower than the interval', async () => {
    vi.useFakeTimers();
    let release!: () => void;
    const sample = vi.fn(
      () => new Promise<Map<number, number>>((resolve) => (release = () => resolve(new Map()))),
    );
    const watch = createMemoryWatch(100, sample);
    watch.watch(1, 10, () => {});
    await vi.advanceTimersByTimeAsync(550);
    expect(sample).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(sample).toHaveBeenCalledTimes(2);
  });
});
