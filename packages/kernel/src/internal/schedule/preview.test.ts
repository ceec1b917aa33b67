import { describe, expect, it } from 'vitest';
import { previewSchedule } from './index.js';

describe('previewSchedule (dkron-core schedule "<expr>")', () => {
  it('lists five fire times by default, with the zone offset', () => {
    expect(
      previewSchedule({
        expression: '0 30 2 * * *',
        timezone: 'America/New_York',
        from: new Date('2026-03-06T12:00:00Z'),
      }),
    ).toEqual([
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:30:00-04:00',
      '2026-03-10T02:30:00-04:00',
      '2026-03-11T02:30:00-04:00',
    ]);
  });

  it('writes Z for a zero offset and keeps milliseconds only when present', () => {
    expect(
      previewSchedule({ expression: '@at 2026-01-01T10:00:00.5Z', from: new Date('2025-01-01T00:00:00Z') }),
    ).toEqual(['2026-01-01T10:00:00.500Z']);
    expect(
      previewSchedule({
        expression: '0 0 12 1 1 *',
        timezone: 'Europe/London',
        from: new Date('2026-01-01T00:00:00Z'),
        count: 1,
      }),
    ).toEqual(['2026-01-01T12:00:00Z']);
  });

  it('starts from now by default', () => {
    const [first] = previewSchedule({ expression: '* * * * * *', count: 1 });
    const delta = Date.parse(first ?? '') - Date.now();
    expect(delta).toBeGreaterThan(-1000);
    expect(delta).toBeLessThanOrEqual(1000);
  });

  it('lists up to 1000 times', () => {
    const times = previewSchedule({
      expression: '@hourly',
      from: new Date('2026-01-01T00:00:00Z'),
      count: 1000,
    });
    expect(times).toHaveLength(1000);
    expect(times[999]).toBe('2026-02-11T16:00:00Z');
  });
});
