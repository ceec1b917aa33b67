import { matchRfc3339 } from '@dkron-core/kernel';
import { ZERO_TIME } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { formatMs, fromTimeKey, sortKeyOf, toTimeKey, utcDayOf } from './time-key.js';

describe('time keys', () => {
  it('makes a fixed-width UTC sort key with nanoseconds', () => {
    expect(sortKeyOf('2026-01-02T03:04:05Z')).toBe('2026-01-02T03:04:05.000000000Z');
    expect(sortKeyOf('2026-01-02T03:04:05.123456789Z')).toBe('2026-01-02T03:04:05.123456789Z');
    expect(sortKeyOf('2026-01-02T03:04:05.5+01:30')).toBe('2026-01-02T01:34:05.500000000Z');
    expect(sortKeyOf('2026-01-01T23:30:00-01:00')).toBe('2026-01-02T00:30:00.000000000Z');
    expect(sortKeyOf(ZERO_TIME)).toBe('0001-01-01T00:00:00.000000000Z');
  });

  it('rejects what is not an RFC 3339 instant', () => {
    for (const bad of [
      '',
      'yesterday',
      '2026-02-30T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00',
    ]) {
      expect(sortKeyOf(bad), bad).toBeUndefined();
    }
    expect(() => toTimeKey('nope', 'next')).toThrow('next is not an RFC 3339 time: "nope"');
  });

  it('reads the kernel`s one RFC 3339 grammar (matchRfc3339), with the offset required', () => {
    for (const text of ['2026-01-02t03:04:05z', '2026-01-02T03:04:05.1234567891Z', '2026-01-02T03:04:05Z']) {
      expect(matchRfc3339(text), text).toBeDefined();
    }
    expect(sortKeyOf('2026-01-02t03:04:05z')).toBe('2026-01-02T03:04:05.000000000Z');
    expect(sortKeyOf('2026-01-02T03:04:05.1234567891Z')).toBe('2026-01-02T03:04:05.123456789Z');
    // What the kernel's grammar refuses, the store refuses: no space for the T, and an instant needs an offset.
    for (const text of ['2026-01-02 03:04:05Z', '2026-01-02T03:04:05']) {
      expect(sortKeyOf(text), text).toBeUndefined();
      expect(matchRfc3339(text)?.offset, text).toBeUndefined();
    }
    expect(sortKeyOf('2026-01-02T03:04:05+24:00')).toBeUndefined();
  });

  it('sorts chronologically as text, whatever the precision and offset', () => {
    const times = [
      '2026-01-01T00:00:00.5Z',
      '2026-01-01T00:00:00Z',
      '2026-01-01T01:00:00+02:00',
      ZERO_TIME,
      '2026-01-01T00:00:00.000000001Z',
    ];
    const sorted = times.map((t) => toTimeKey(t, 't')).sort();
    expect(sorted.map(fromTimeKey)).toEqual([
      ZERO_TIME,
      '2026-01-01T01:00:00+02:00',
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00.000000001Z',
      '2026-01-01T00:00:00.5Z',
    ]);
  });

  it('gives back the text as written', () => {
    expect(fromTimeKey(toTimeKey('2026-01-02T03:04:05.120+01:00', 't'))).toBe(
      '2026-01-02T03:04:05.120+01:00',
    );
  });

  it('formats milliseconds like the kernel and finds the UTC day', () => {
    expect(formatMs(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05Z');
    expect(formatMs(Date.UTC(2026, 0, 2, 3, 4, 5, 7))).toBe('2026-01-02T03:04:05.007Z');
    expect(utcDayOf('2026-01-02T00:30:00+01:00', 't')).toBe('2026-01-01');
  });

  it('validates the plain UTC form (fast path) like the general one: leap days, month lengths, ranges', () => {
    for (const good of ['2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999999999Z', '0001-12-31T00:00:00Z']) {
      expect(sortKeyOf(good), good).toBe(sortKeyOf(good.replace('Z', '+00:00')));
    }
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
    ]) {
      expect(sortKeyOf(bad), bad).toBeUndefined();
      expect(sortKeyOf(bad.replace('Z', '+00:00')), bad).toBeUndefined();
    }
    // Every day of a leap and a common year, each way.
    for (const year of [2024, 2026]) {
      for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += 86_400_000 + 1_001) {
        const text = new Date(ms).toISOString();
        expect(sortKeyOf(text)).toBe(sortKeyOf(text.replace('Z', '+00:00')));
      }
    }
  });
});
