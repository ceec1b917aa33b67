import { describe, expect, it } from 'vitest';
import { isValidTimezone } from './index.js';
import { getZone, wallToInstant } from './zone.js';

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('isValidTimezone', () => {
  it.each(['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Asia/Kolkata'])(
    'accepts %s',
    (tz) => expect(isValidTimezone(tz)).toBe(true),
  );
  it.each(['Foo/Bar', '', 'Local', '+05:00', 'Europe/Berlin ', '../etc/passwd'])('refuses %j', (tz) =>
    expect(isValidTimezone(tz)).toBe(false),
  );
});

describe('offset spans', () => {
  it('finds the New York 2026 transitions to the second', () => {
    const ny = getZone('America/New_York');
    const before = ny.spanAt(at('2026-03-08T06:59:59Z'));
    expect(before.offset).toBe(-5 * H);
    expect(before.end).toBe(at('2026-03-08T07:00:00Z'));
    const after = ny.spanAt(at('2026-03-08T07:00:00Z'));
    expect(after).toMatchObject({ start: at('2026-03-08T07:00:00Z'), offset: -4 * H, offsetBefore: -5 * H });
    expect(after.transitionAt).toBe(after.start);
    expect(ny.spanAt(at('2026-11-01T06:00:00Z'))).toMatchObject({
      start: at('2026-11-01T06:00:00Z'),
      offset: -5 * H,
      offsetBefore: -4 * H,
    });
  });

  it('finds the 30-minute Lord Howe shifts', () => {
    const lordHowe = getZone('Australia/Lord_Howe');
    expect(lordHowe.spanAt(at('2026-10-03T15:30:00Z'))).toMatchObject({
      start: at('2026-10-03T15:30:00Z'),
      offset: 11 * H,
      offsetBefore: 10.5 * H,
    });
    expect(lordHowe.spanAt(at('2026-04-04T15:00:00Z'))).toMatchObject({
      start: at('2026-04-04T15:00:00Z'),
      offset: 10.5 * H,
      offsetBefore: 11 * H,
    });
  });

  it('agrees with Intl across decades, spans chaining without holes', () => {
    const berlin = getZone('Europe/Berlin');
    const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', timeZoneName: 'shortOffset' });
    let span = berlin.spanAt(at('1995-01-01T00:00:00Z'));
    let transitions = 0;
    while (span.start < at('2035-01-01T00:00:00Z')) {
      const name = intl.format(span.start).split(' ').pop();
      expect(name).toBe(span.offset === H ? 'GMT+1' : 'GMT+2');
      const next = berlin.spanAt(span.end);
      expect(next.start).toBe(span.end);
      if (next.offset !== span.offset) {
        transitions++;
        expect(next.transitionAt).toBe(next.start);
        expect(next.offsetBefore).toBe(span.offset);
      }
      span = next;
    }
    // Two changes a year, 1995 to 2034.
    expect(transitions).toBe(80);
  });

  it('serves UTC without sampling', () => {
    expect(getZone('UTC').spanAt(0)).toMatchObject({ start: -Infinity, end: Infinity, offset: 0 });
  });
});

describe('wallToInstant (fixed-time rule)', () => {
  const wall = (iso: string) => Date.parse(`${iso}Z`);
  it.each([
    ['America/New_York', '2026-07-01T12:00:00', '2026-07-01T16:00:00Z'],
    ['America/New_York', '2026-03-08T02:30:00', '2026-03-08T07:00:00Z'],
    ['America/New_York', '2026-11-01T01:30:00', '2026-11-01T05:30:00Z'],
    ['Europe/Berlin', '2026-10-25T02:30:00', '2026-10-25T00:30:00Z'],
    ['Australia/Lord_Howe', '2026-10-04T02:15:00', '2026-10-03T15:30:00Z'],
    ['America/Sao_Paulo', '2018-11-04T00:00:00', '2018-11-04T03:00:00Z'],
    ['UTC', '2026-01-01T00:00:00', '2026-01-01T00:00:00Z'],
  ])('%s %s is %s', (zone, local, instant) => {
    expect(wallToInstant(getZone(zone), wall(local))).toBe(at(instant));
  });
});
