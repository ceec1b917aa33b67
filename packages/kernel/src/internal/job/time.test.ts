import { describe, expect, it } from 'vitest';
import { laterTime, msToTime, normalizeTime, rfc3339ToMs, timeToNanos } from './time.js';

describe('normalizeTime', () => {
  it('normalises RFC 3339 to UTC with Z', () => {
    expect(normalizeTime('2024-05-01T10:00:00Z')).toBe('2024-05-01T10:00:00Z');
    expect(normalizeTime('2024-05-01T12:30:00+02:30')).toBe('2024-05-01T10:00:00Z');
    expect(normalizeTime('2024-01-01T01:00:00+02:00')).toBe('2023-12-31T23:00:00Z');
    expect(normalizeTime('2024-05-01t10:00:00z')).toBe('2024-05-01T10:00:00Z');
  });

  it('keeps nanoseconds and drops trailing zeros (RFC3339Nano)', () => {
    expect(normalizeTime('2024-05-01T10:00:00.123456789Z')).toBe('2024-05-01T10:00:00.123456789Z');
    expect(normalizeTime('2024-05-01T10:00:00.500Z')).toBe('2024-05-01T10:00:00.5Z');
    expect(normalizeTime('2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:00:00Z');
    expect(normalizeTime('2024-05-01T10:00:00.1234567891Z')).toBe('2024-05-01T10:00:00.123456789Z');
  });

  it('reads HTML datetime-local values as UTC', () => {
    expect(normalizeTime('2006-01-02T15:04')).toBe('2006-01-02T15:04:00Z');
    expect(normalizeTime('2006-01-02T15:04:05')).toBe('2006-01-02T15:04:05Z');
  });

  it('handles leap days and small years exactly', () => {
    expect(normalizeTime('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00Z');
    expect(normalizeTime('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(normalizeTime('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00Z');
    expect(normalizeTime('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00Z');
  });

  it('rejects what is not a time', () => {
    for (const bad of [
      '',
      'yesterday',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '2024-01-01',
      '2024-01-01T00:00:00+25:00',
      '2024-01-01 00:00:00Z',
      '0000-01-01T00:00:00+01:00',
    ]) {
      expect(normalizeTime(bad), bad).toBeUndefined();
    }
  });
});

describe('timeToNanos / laterTime / msToTime', () => {
  it('orders instants across offsets and fractions', () => {
    expect(timeToNanos('1970-01-01T00:00:01.5Z')).toBe(1_500_000_000n);
    expect(timeToNanos('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(laterTime('2024-01-01T00:00:00.5Z', '2024-01-01T00:00:00Z')).toBe('2024-01-01T00:00:00.5Z');
    expect(laterTime('2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000000001Z')).toBe(
      '2024-01-01T00:00:00.000000001Z',
    );
  });

  it('never lets null win', () => {
    expect(laterTime(null, '2024-01-01T00:00:00Z')).toBe('2024-01-01T00:00:00Z');
    expect(laterTime('2024-01-01T00:00:00Z', null)).toBe('2024-01-01T00:00:00Z');
    expect(laterTime(null, null)).toBeNull();
  });

  it('formats epoch ms', () => {
    expect(msToTime(0)).toBe('1970-01-01T00:00:00Z');
    expect(msToTime(Date.UTC(2024, 4, 1, 10, 0, 0, 250))).toBe('2024-05-01T10:00:00.25Z');
    expect(msToTime(-1)).toBe('1969-12-31T23:59:59.999Z');
    expect(msToTime(999.9999999)).toBe('1970-01-01T00:00:01Z');
    expect(() => msToTime(Number.NaN)).toThrow('time out of range');
  });

  it('agrees with Date on many instants', () => {
    for (let ms = -5e11; ms < 4e12; ms += 7_777_777_777) {
      const whole = Math.floor(ms / 1000) * 1000;
      expect(msToTime(whole)).toBe(new Date(whole).toISOString().replace('.000Z', 'Z'));
    }
  });
});

describe('rfc3339ToMs', () => {
  it('reads RFC 3339 times with their offset, to the millisecond', () => {
    expect(rfc3339ToMs('2024-05-01T10:00:00Z')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(rfc3339ToMs('2024-05-01T12:00:00.123987+02:00')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    expect(rfc3339ToMs('2024-05-01t10:00:00z')).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it('refuses times without an offset (datetime-local is for job fields only) and out-of-range fields', () => {
    expect(rfc3339ToMs('2024-05-01T10:00:00')).toBeUndefined();
    expect(rfc3339ToMs('2024-05-01T10:00')).toBeUndefined();
    expect(rfc3339ToMs('2024-13-01T10:00:00Z')).toBeUndefined();
    expect(rfc3339ToMs('2024-05-01T10:00:00+24:00')).toBeUndefined();
    expect(rfc3339ToMs('yesterday')).toBeUndefined();
  });
});
