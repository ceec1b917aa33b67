import { describe, expect, it } from 'vitest';
import { inZone, presentExecutions, presentStatus } from './present.js';

describe('presentation of stored records', () => {
  it('shows list times in the job zone, keeping the zero time and UTC as stored', () => {
    expect(inZone('2026-11-21T12:00:00Z', 'Europe/Berlin')).toBe('2026-11-21T13:00:00+01:00');
    expect(inZone('2026-11-21T12:00:00.5Z', 'America/New_York')).toBe('2026-11-21T07:00:00.500-05:00');
    expect(inZone('0001-01-01T00:00:00Z', 'Europe/Berlin')).toBe('0001-01-01T00:00:00Z');
    expect(inZone('2026-11-21T12:00:00Z', 'UTC')).toBe('2026-11-21T12:00:00Z');
    expect(inZone('not a time', 'Europe/Berlin')).toBe('not a time');
  });

  it('always sends output_truncated and reads an empty zone as UTC', () => {
    const stored = {
      id: '1-n',
      job_name: 'j',
      started_at: '2026-11-21T12:00:00Z',
      finished_at: '0001-01-01T00:00:00Z',
      success: false,
      output: '',
      node_name: 'n',
      group: 1,
      attempt: 1,
      status: 'running' as const,
      scheduled_at: null,
    };
    expect(presentExecutions([stored], '')).toEqual([{ ...stored, output_truncated: false }]);
    expect(presentExecutions([{ ...stored, output_truncated: true }], 'Asia/Tokyo')[0]).toMatchObject({
      started_at: '2026-11-21T21:00:00+09:00',
      output_truncated: true,
    });
  });

  it("fills GET /v1's Serf statistics from the member count", () => {
    const status = presentStatus({ agent: { name: 'n', version: 'v' }, members: 3, tags: { role: 'dkron' } });
    expect(status.serf).toMatchObject({ members: '3', failed: '0', encrypted: 'false' });
    expect(status.tags).toEqual({ role: 'dkron' });
  });
});
