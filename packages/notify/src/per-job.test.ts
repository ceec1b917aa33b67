import type { ExecutionStatus, NotifyOn } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { recipients, wantsNotification } from './internal/per-job.js';
import { execution } from './test-support/fixtures.js';

describe('wantsNotification', () => {
  const cases: Array<[NotifyOn | undefined, ExecutionStatus, boolean]> = [
    [undefined, 'failed', true],
    [undefined, 'success', false],
    ['failure', 'failed', true],
    ['failure', 'lost', true],
    ['failure', 'cancelled', true],
    ['failure', 'success', false],
    ['success', 'success', true],
    ['success', 'failed', false],
    ['success', 'cancelled', false],
    ['always', 'success', true],
    ['always', 'lost', true],
  ];
  it.each(cases)('on=%s, status=%s → %s', (on, status, expected) => {
    expect(wantsNotification(on, execution({ status }))).toBe(expected);
  });
});

describe('recipients', () => {
  it('accepts one address or several, trimmed and without duplicates', () => {
    expect(recipients(' a@x.io ')).toEqual(['a@x.io']);
    expect(recipients(['a@x.io', 'B@x.io', 'A@X.io', ' '])).toEqual(['a@x.io', 'B@x.io']);
    expect(recipients(undefined)).toEqual([]);
  });
});
