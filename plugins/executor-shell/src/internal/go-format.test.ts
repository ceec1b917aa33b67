import { describe, expect, it } from 'vitest';
import { exitError, formatGoDuration } from './go-format.js';

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [1000, '1s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0.5, '500µs'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [3_723_500, '1h2m3.5s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

describe('exitError', () => {
  it.each([
    [1, null, 'exit status 1'],
    [127, null, 'exit status 127'],
    [null, 'SIGKILL', 'signal: killed'],
    [null, 'SIGTERM', 'signal: terminated'],
    [null, 'SIGSEGV', 'signal: segmentation fault'],
    [null, 'SIGWINCH', 'signal: SIGWINCH'],
  ] as const)('code %s signal %s → %s', (code, signal, text) => {
    expect(exitError(code, signal)).toBe(text);
  });
});
