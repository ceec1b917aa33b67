import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from './index.js';

// Property tests of next(): every check below uses an oracle written independently of the engine
// (field sets kept by the generator, wall clocks read from Intl.formatToParts).

interface Field {
  readonly text: string;
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
  readonly stepped: boolean;
}

const range = (lo: number, hi: number, step = 1): number[] => {
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
};

const field = (min: number, max: number, favourite: number[] = []): fc.Arbitrary<Field> => {
  const value = fc.oneof(
    fc.integer({ min, max }),
    ...(favourite.length ? [fc.constantFrom(...favourite)] : []),
  );
  return fc.oneof(
    fc.constant({ text: '*', values: new Set(range(min, max)), star: true, stepped: false }),
    value.map((v) => ({ text: String(v), values: new Set([v]), star: false, stepped: false })),
    fc.uniqueArray(value, { minLength: 2, maxLength: 3 }).map((vs) => ({
      text: vs.join(','),
      values: new Set(vs),
      star: false,
      stepped: false,
    })),
    fc.tuple(value, value).map(([a, b]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return { text: `${lo}-${hi}`, values: new Set(range(lo, hi)), star: false, stepped: false };
    }),
    fc.integer({ min: 1, max: Math.max(1, Math.ceil((max - min) / 2)) }).map((step) => ({
      text: `*/${step}`,
      values: new Set(range(min, max, step)),
      star: true,
      stepped: true,
    })),
    fc.tuple(value, fc.integer({ min: 1, max: 10 })).map(([start, step]) => ({
      text: `${start}/${step}`,
      values: new Set(range(start, max, step)),
      star: false,
      stepped: true,
    })),
  );
};

interface Cron {
  readonly text: string;
  readonly second: Field;
  readonly minute: Field;
  readonly hour: Field;
  readonly dom: Field;
  readonly month: Field;
  readonly dow: Field;
}

const star = (min: number, max: number): Field => ({
  text: '*',
  values: new Set(range(min, max)),
  star: true,
  stepped: false,
});

// Hours near DST transitions (0-3, 23) are favoured so that gaps and overlaps are hit often.
const cronArb = (withSeconds: boolean): fc.Arbitrary<Cron> =>
  fc
    .record({
      second: withSeconds ? field(0, 59, [0, 30]) : fc.constant({ ...star(0, 0), text: '0', star: false }),
      minute: field(0, 59, [0, 15, 30, 45]),
      hour: field(0, 23, [0, 1, 2, 3, 23]),
      dom: fc.oneof(fc.constant(star(1, 31)), field(1, 31, [1, 29, 30, 31])),
      month: fc.oneof(fc.constant(star(1, 12)), field(1, 12)),
      dow: fc.oneof(fc.constant(star(0, 6)), field(0, 6)),
    })
    .map((f) => ({
      ...f,
      text: [
        withSeconds ? f.second.text : '',
        f.minute.text,
        f.hour.text,
        f.dom.text,
        f.month.text,
        f.dow.text,
      ]
        .filter((part) => part !== '')
        .join(' '),
    }));

interface Wall {
  readonly ms: number;
  readonly second: number;
  readonly minute: number;
  readonly hour: number;
  readonly day: number;
  readonly month: number;
  readonly weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `zone` at an instant, read from Intl (independent of the engine's offset cache). */
function wallAt(zone: string, instant: number): Wall {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) parts[part.type] = part.value;
  const [year, month, day, hour, minute, second] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map(
    (type) => Number(parts[type]),
  ) as [number, number, number, number, number, number];
  return {
    ms: Date.UTC(year, month - 1, day, hour, minute, second),
    second,
    minute,
    hour,
    day,
    month,
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** A wall time given as wall ms (local time written as UTC). */
function wallFromMs(ms: number): Wall {
  const d = new Date(ms);
  return {
    ms,
    second: d.getUTCSeconds(),
    minute: d.getUTCMinutes(),
    hour: d.getUTCHours(),
    day: d.getUTCDate(),
    month: d.getUTCMonth() + 1,
    weekday: d.getUTCDay(),
  };
}

function matches(cron: Cron, wall: Wall): boolean {
  const domOk = cron.dom.values.has(wall.day);
  const dowOk = cron.dow.values.has(wall.weekday);
  const dayOk = cron.dom.star || cron.dow.star ? domOk && dowOk : domOk || dowOk;
  return (
    dayOk &&
    cron.second.values.has(wall.second) &&
    cron.minute.values.has(wall.minute) &&
    cron.hour.values.has(wall.hour) &&
    cron.month.values.has(wall.month)
  );
}

const hourFixed = (cron: Cron): boolean => !cron.hour.star && !cron.hour.stepped;

/** Parses, or returns undefined for expressions whose days never exist (refused by design). */
function tryParse(cron: Cron, zone: string) {
  try {
    return parseSchedule(cron.text, { timezone: zone });
  } catch (error) {
    expect((error as Error).message).toContain('can never fire');
    return undefined;
  }
}

// Zones with their DST transitions (instants), so that `from` often lands next to one.
const ZONE_TRANSITIONS: Record<string, readonly string[]> = {
  UTC: [],
  'Asia/Kolkata': [],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2012-03-11T07:00:00Z'],
  'Europe/Berlin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'Europe/London': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'America/Sao_Paulo': ['2018-11-04T03:00:00Z', '2019-02-17T02:00:00Z', '2017-10-15T03:00:00Z'],
  'Pacific/Chatham': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
};

const zoneAndFrom: fc.Arbitrary<{ zone: string; from: number }> = fc
  .constantFrom(...Object.keys(ZONE_TRANSITIONS))
  .chain((zone) => {
    const near = (ZONE_TRANSITIONS[zone] ?? []).map(Date.parse);
    const random = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });
    const close = near.length
      ? [
          fc
            .tuple(fc.constantFrom(...near), fc.integer({ min: -30 * 3600, max: 6 * 3600 }))
            .map(([t, s]) => t + s * 1000),
        ]
      : [];
    return fc.oneof(random, ...close, ...close).map((from) => ({ zone, from }));
  });

describe('next() properties', () => {
  it('is strictly after from, whole seconds, matching in its zone (or the end of a DST gap)', () => {
    // Crons that can never fire are skipped; most must not be, or the property would hold vacuously.
    let parsed = 0;
    fc.assert(
      fc.property(cronArb(true), zoneAndFrom, (cron, { zone, from }) => {
        const schedule = tryParse(cron, zone);
        if (schedule === undefined) return;
        parsed++;
        const next = schedule.next(from);
        expect(next).toBeDefined();
        const t = next!.getTime();
        expect(t).toBeGreaterThan(from);
        expect(t % 1000).toBe(0);
        const wall = wallAt(zone, t);
        if (matches(cron, wall)) {
          if (hourFixed(cron)) {
            // fixed hours fire at the first occurrence only: no earlier instant showed this wall time
            for (let back = 15; back <= 180; back += 15) {
              expect(wallAt(zone, t - back * 60_000).ms).toBeLessThan(wall.ms);
            }
          }
          return;
        }
        // Otherwise this must be the first instant after a spring-forward gap holding a matching wall time.
        expect(hourFixed(cron)).toBe(true);
        const before = wallAt(zone, t - 1000).ms;
        expect(wall.ms - before).toBeGreaterThan(1000);
        let inGap = false;
        for (let w = before + 1000; w < wall.ms && !inGap; w += 1000) inGap = matches(cron, wallFromMs(w));
        expect(inGap).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(parsed).toBeGreaterThan(200);
  }, 30_000);

  it('nextN is strictly increasing and equals repeated next', () => {
    // Crons that can never fire are skipped; most must not be, or the property would hold vacuously.
    let parsed = 0;
    fc.assert(
      fc.property(cronArb(true), zoneAndFrom, (cron, { zone, from }) => {
        const schedule = tryParse(cron, zone);
        if (schedule === undefined) return;
        parsed++;
        const list = schedule.nextN(from, 6).map((d) => d.getTime());
        expect(list).toHaveLength(6);
        let cursor = from;
        for (const t of list) {
          expect(t).toBeGreaterThan(cursor);
          expect(schedule.next(cursor)?.getTime()).toBe(t);
          cursor = t;
        }
      }),
      { numRuns: 300 },
    );
    expect(parsed).toBeGreaterThan(150);
  }, 30_000);

  it('finds exactly the runs a minute-by-minute oracle finds over 30 hours', () => {
    const WINDOW = 30 * 3_600_000;
    // Walls seen in the hours before `from` decide whether a fall-back wall time is a repeat.
    const WARM_UP = 3 * 3_600_000;
    // Crons that can never fire are skipped; most must not be, or the property would hold vacuously.
    let parsed = 0;
    fc.assert(
      fc.property(cronArb(false), zoneAndFrom, (cron, { zone, from }) => {
        const schedule = tryParse(cron, zone);
        if (schedule === undefined) return;
        parsed++;
        const expected: number[] = [];
        const startMinute = Math.floor(from / 60_000) * 60_000;
        // Start a day early so that walls already seen (fall-back repeats) are known.
        let previous = wallAt(zone, startMinute - WARM_UP - 60_000).ms;
        let highest = previous;
        for (let t = startMinute - WARM_UP; t <= from + WINDOW; t += 60_000) {
          const wall = wallAt(zone, t);
          let fires: boolean;
          if (hourFixed(cron)) {
            fires = wall.ms > highest && matches(cron, wall);
            // spring forward: wall times jumped over fire at the first instant after the gap
            for (let w = previous + 60_000; w < wall.ms && !fires; w += 60_000)
              fires = matches(cron, wallFromMs(w));
          } else {
            fires = matches(cron, wall);
          }
          if (fires && t > from) expected.push(t);
          previous = wall.ms;
          highest = Math.max(highest, wall.ms);
        }
        const got = schedule.nextN(from, expected.length + 1).map((d) => d.getTime());
        expect(got.slice(0, expected.length)).toEqual(expected);
        if (got.length > expected.length) expect(got[expected.length]).toBeGreaterThan(from + WINDOW);
      }),
      { numRuns: 150 },
    );
    expect(parsed).toBeGreaterThan(75);
  }, 30_000);

  it('handles DOM/DOW and month ends across centuries in UTC', () => {
    // Crons that can never fire are skipped; most must not be, or the property would hold vacuously.
    let parsed = 0;
    fc.assert(
      fc.property(
        cronArb(false),
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2400, 0, 1) }),
        (cron, from) => {
          const schedule = tryParse(cron, 'UTC');
          if (schedule === undefined) return;
          parsed++;
          const next = schedule.next(from);
          expect(next).toBeDefined();
          expect(matches(cron, wallFromMs(next!.getTime()))).toBe(true);
          // nothing was skipped: no matching minute between from and next (checked on a bounded stretch)
          const limit = Math.min(next!.getTime(), from + 86_400_000);
          let skipped: number | undefined;
          for (
            let t = Math.floor(from / 60_000) * 60_000 + 60_000;
            t < limit && skipped === undefined;
            t += 60_000
          ) {
            if (matches(cron, wallFromMs(t))) skipped = t;
          }
          expect(skipped).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
    expect(parsed).toBeGreaterThan(100);
  }, 30_000);
});
