import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, deliver, PermanentError, type RetryPolicy } from './internal/retry.js';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 1000, maxDelayMs: 3000, timeoutMs: 500 };
const never = new AbortController().signal;

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy))).toEqual([1000, 2000, 3000, 3000]);
  });
});

describe('deliver', () => {
  it('waits with exponential backoff between attempts', async () => {
    vi.useFakeTimers();
    const at: number[] = [];
    const start = Date.now();
    const done = deliver(
      async () => {
        at.push(Date.now() - start);
        throw new Error('down');
      },
      policy,
      never,
    );
    await vi.runAllTimersAsync();
    const outcome = await done;
    expect(at).toEqual([0, 1000, 3000, 6000]);
    expect(outcome).toMatchObject({ ok: false, attempts: 4, error: new Error('down') });
  });

  it('stops at the first success', async () => {
    let calls = 0;
    const outcome = await deliver(
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('once');
      },
      { ...policy, initialDelayMs: 1 },
      never,
    );
    expect(outcome).toEqual({ ok: true, attempts: 2 });
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const outcome = await deliver(
      async () => {
        calls += 1;
        throw new PermanentError('bad URL');
      },
      policy,
      never,
    );
    expect(calls).toBe(1);
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
  });

  it('ends an attempt at its time limit and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const outcome = await deliver(
      (s) => {
        signal = s;
        return new Promise<void>(() => {});
      },
      { attempts: 1, initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 30 },
      never,
    );
    expect(outcome).toMatchObject({ ok: false, attempts: 1, error: new Error('timed out after 30 ms') });
    expect(signal?.aborted).toBe(true);
  });

  it('makes no further attempt once stopped', async () => {
    const stop = new AbortController();
    let calls = 0;
    const done = deliver(
      async () => {
        calls += 1;
        throw new Error('down');
      },
      { ...policy, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      stop.signal,
    );
    await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    expect(await done).toMatchObject({ ok: false, attempts: 1 });
    expect(calls).toBe(1);
  });
});
