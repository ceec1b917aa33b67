import { ZERO_TIME } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { mergeJobUpdate } from './merge-job-update.js';
import { toJob } from './to-job.js';

const stored = {
  ...toJob({ name: 'job', schedule: '@every 1m', timezone: 'Europe/Berlin' }),
  success_count: 10,
  error_count: 3,
  last_success: '2024-01-02T00:00:00Z',
  last_error: '2024-01-01T00:00:00Z',
  status: 'success' as const,
  dependent_jobs: ['child'],
  missed_count: 4,
  next: '2024-01-03T00:00:00Z',
};

describe('mergeJobUpdate', () => {
  it('returns a new job as posted, with id = name', () => {
    const posted = { ...toJob({ name: 'fresh', schedule: '@daily' }), id: 'whatever' };
    expect(mergeJobUpdate(undefined, posted)).toEqual({ ...posted, id: 'fresh' });
  });

  it('replaces writable fields with the posted ones', () => {
    const posted = toJob({ name: 'job', schedule: '@every 1m', timezone: 'Europe/Berlin', owner: 'me' });
    const merged = mergeJobUpdate(stored, posted);
    expect(merged.owner).toBe('me');
    expect(merged.tags).toBeNull();
  });

  it('keeps the larger counters and the later times; null never erases', () => {
    const posted = {
      ...toJob({ name: 'job', schedule: '@every 1m', timezone: 'Europe/Berlin' }),
      success_count: 20,
      error_count: 1,
      last_success: null,
      last_error: '2024-06-01T00:00:00Z',
    };
    const merged = mergeJobUpdate(stored, posted);
    expect(merged.success_count).toBe(20);
    expect(merged.error_count).toBe(3);
    expect(merged.last_success).toBe('2024-01-02T00:00:00Z');
    expect(merged.last_error).toBe('2024-06-01T00:00:00Z');
  });

  it('keeps a non-empty stored status, dependent_jobs and missed_count', () => {
    const posted = {
      ...toJob({ name: 'job', schedule: '@every 1m', timezone: 'Europe/Berlin' }),
      status: 'failed' as const,
    };
    const merged = mergeJobUpdate(stored, posted);
    expect(merged.status).toBe('success');
    expect(merged.dependent_jobs).toEqual(['child']);
    expect(merged.missed_count).toBe(4);
    expect(mergeJobUpdate({ ...stored, status: '' }, posted).status).toBe('failed');
  });

  it('keeps next while schedule and timezone are unchanged, else resets it', () => {
    const same = toJob({ name: 'job', schedule: '@every 1m', timezone: 'Europe/Berlin', disabled: true });
    expect(mergeJobUpdate(stored, same).next).toBe('2024-01-03T00:00:00Z');
    const rescheduled = toJob({ name: 'job', schedule: '@every 2m', timezone: 'Europe/Berlin' });
    expect(mergeJobUpdate(stored, rescheduled).next).toBe(ZERO_TIME);
    const moved = toJob({ name: 'job', schedule: '@every 1m', timezone: 'UTC' });
    expect(mergeJobUpdate(stored, moved).next).toBe(ZERO_TIME);
  });

  it('does not mutate its inputs', () => {
    const before = structuredClone(stored);
    mergeJobUpdate(stored, toJob({ name: 'job', schedule: '@daily' }));
    expect(stored).toEqual(before);
  });
});
