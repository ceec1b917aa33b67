import type { ExecutionStatus } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { computeStatus } from './compute-status.js';

const e = (node_name: string, attempt: number, status: ExecutionStatus, second = attempt) => ({
  node_name,
  attempt,
  status,
  started_at: `2024-01-01T00:00:${String(second).padStart(2, '0')}Z`,
});

describe('computeStatus', () => {
  it('is empty without executions', () => {
    expect(computeStatus([])).toBe('');
  });

  it('follows Dkron for single attempts: all ok, all failed, mixed', () => {
    expect(computeStatus([e('a', 1, 'success'), e('b', 1, 'success')])).toBe('success');
    expect(computeStatus([e('a', 1, 'failed'), e('b', 1, 'failed')])).toBe('failed');
    expect(computeStatus([e('a', 1, 'success'), e('b', 1, 'failed')])).toBe('partially_failed');
  });

  it('counts lost and cancelled executions as failures', () => {
    expect(computeStatus([e('a', 1, 'lost')])).toBe('failed');
    expect(computeStatus([e('a', 1, 'success'), e('b', 1, 'cancelled')])).toBe('partially_failed');
  });

  it('is success when a failed run succeeds on retry (only the latest attempt counts)', () => {
    expect(computeStatus([e('a', 1, 'failed'), e('a', 2, 'success')])).toBe('success');
    expect(computeStatus([e('a', 2, 'success'), e('a', 1, 'failed')])).toBe('success');
    expect(computeStatus([e('a', 1, 'success'), e('a', 2, 'failed')])).toBe('failed');
  });

  it('is running while a latest attempt runs', () => {
    expect(computeStatus([e('a', 1, 'running')])).toBe('running');
    expect(computeStatus([e('a', 1, 'failed'), e('a', 2, 'running'), e('b', 1, 'success')])).toBe('running');
    expect(computeStatus([e('a', 1, 'success'), e('b', 1, 'running')])).toBe('running');
  });

  it('breaks an attempt tie by the later start', () => {
    expect(computeStatus([e('a', 1, 'failed', 1), e('a', 1, 'success', 5)])).toBe('success');
    expect(computeStatus([e('a', 1, 'success', 5), e('a', 1, 'failed', 1)])).toBe('success');
  });
});
