import { describe, expect, it } from 'vitest';
import { hashSchedule, parseSchedule, previewSchedule, type ScheduleOptions } from './index.js';

const iso = (d: Date | undefined) => d?.toISOString();

describe('@every', () => {
  const cases: { expr: string; intervalMs: number }[] = [
    { expr: '@every 1h', intervalMs: 3_600_000 },
    { expr: '@every 90s', intervalMs: 90_000 },
    { expr: '@every 1h30m', intervalMs: 5_400_000 },
    { expr: '@every 1.5h', intervalMs: 5_400_000 },
    // truncated to whole seconds, at least one second
    { expr: '@every 500ms', intervalMs: 1000 },
    { expr: '@every 1.5s', intervalMs: 1000 },
    { expr: '@every 1m30.9s', intervalMs: 90_000 },
    { expr: '@every 0s', intervalMs: 1000 },
    { expr: '@every 1999ms', intervalMs: 1000 },
    { expr: '@EVERY 10s', intervalMs: 10_000 },
  ];
  it.each(cases)('$expr has an interval of $intervalMs ms', ({ expr, intervalMs }) => {
    const schedule = parseSchedule(expr);
    expect(schedule.kind).toBe('every');
    expect(schedule.intervalMs).toBe(intervalMs);
  });

  const runs: { expr: string; from: string; want: string[]; options?: ScheduleOptions }[] = [
    // no anchor: robfig's constant delay from `from` truncated to the second
    {
      expr: '@every 1h',
      from: '2026-01-01T00:00:00.750Z',
      want: ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'],
    },
    {
      expr: '@every 90s',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-01T00:01:30.000Z', '2026-01-01T00:03:00.000Z'],
    },
    {
      expr: '@every 500ms',
      from: '2026-01-01T00:00:00.400Z',
      want: ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z'],
    },
    // anchored: anchor + k * interval, k >= 1, whatever `from` is
    {
      expr: '@every 1m',
      from: '2026-01-01T00:05:00Z',
      options: { anchor: new Date('2026-01-01T00:00:10Z') },
      want: ['2026-01-01T00:05:10.000Z', '2026-01-01T00:06:10.000Z'],
    },
    {
      expr: '@every 1m',
      from: '2026-01-01T00:05:10Z',
      options: { anchor: Date.parse('2026-01-01T00:00:10.900Z') },
      want: ['2026-01-01T00:06:10.000Z'],
    },
    {
      expr: '@every 1m',
      from: '2025-12-31T00:00:00Z',
      options: { anchor: new Date('2026-01-01T00:00:10Z') },
      want: ['2026-01-01T00:01:10.000Z'],
    },
    {
      expr: '@every 24h',
      from: '2026-03-08T00:00:00Z',
      options: { anchor: new Date('2026-03-07T12:00:00Z'), timezone: 'America/New_York' },
      want: ['2026-03-08T12:00:00.000Z', '2026-03-09T12:00:00.000Z'],
    },
    {
      expr: '@every 7s',
      from: '2026-01-01T00:00:00Z',
      options: { anchor: new Date('2026-01-01T00:00:00Z') },
      want: ['2026-01-01T00:00:07.000Z', '2026-01-01T00:00:14.000Z', '2026-01-01T00:00:21.000Z'],
    },
  ];
  it.each(runs)('$expr from $from', ({ expr, from, want, options }) => {
    expect(parseSchedule(expr, options).nextN(new Date(from), want.length).map(iso)).toEqual(want);
  });

  it('keeps the job zone and formats in it', () => {
    expect(
      previewSchedule({
        expression: '@every 24h',
        timezone: 'America/New_York',
        from: new Date('2026-03-07T13:00:00Z'),
        count: 2,
      }),
      // 08:00 EST + 24 h of real time is 09:00 EDT: an interval does not follow the wall clock
    ).toEqual(['2026-03-08T09:00:00-04:00', '2026-03-09T09:00:00-04:00']);
  });
});

describe('@at, @after, @manually', () => {
  it('@at fires once, strictly after from', () => {
    const schedule = parseSchedule('@at 2026-05-01T10:00:00Z');
    expect(schedule.kind).toBe('at');
    expect(iso(schedule.at)).toBe('2026-05-01T10:00:00.000Z');
    expect(schedule.nextN(new Date('2026-01-01T00:00:00Z'), 3).map(iso)).toEqual([
      '2026-05-01T10:00:00.000Z',
    ]);
    expect(schedule.next(new Date('2026-05-01T10:00:00Z'))).toBeUndefined();
    expect(schedule.next(new Date('2026-06-01T00:00:00Z'))).toBeUndefined();
  });

  const atCases: { expr: string; tz?: string; want: string }[] = [
    { expr: '@at 2026-05-01T10:00:00+02:00', want: '2026-05-01T08:00:00.000Z' },
    { expr: '@at 2026-05-01T10:00:00-05:30', want: '2026-05-01T15:30:00.000Z' },
    { expr: '@at 2026-05-01t10:00:00z', want: '2026-05-01T10:00:00.000Z' },
    { expr: '@at 2026-05-01T10:00:00.25Z', want: '2026-05-01T10:00:00.250Z' },
    // the offset written wins over the job zone
    { expr: '@at 2026-05-01T10:00:00Z', tz: 'Asia/Tokyo', want: '2026-05-01T10:00:00.000Z' },
    // extension: no offset means the job zone, with the fixed-time DST rule
    { expr: '@at 2026-07-01T09:00:00', tz: 'Europe/Berlin', want: '2026-07-01T07:00:00.000Z' },
    { expr: '@at 2026-03-08T02:30:00', tz: 'America/New_York', want: '2026-03-08T07:00:00.000Z' },
    { expr: '@at 2026-11-01T01:30:00', tz: 'America/New_York', want: '2026-11-01T05:30:00.000Z' },
    { expr: '@at 2026-01-01T00:00:00', want: '2026-01-01T00:00:00.000Z' },
    { expr: 'TZ=Asia/Tokyo @at 2026-01-01T09:00:00', want: '2026-01-01T00:00:00.000Z' },
  ];
  it.each(atCases)('$expr ($tz)', ({ expr, tz, want }) => {
    const schedule = parseSchedule(expr, tz === undefined ? {} : { timezone: tz });
    expect(iso(schedule.at)).toBe(want);
    expect(iso(schedule.next(new Date('2025-01-01T00:00:00Z')))).toBe(want);
  });

  it('@at previews with the zone offset', () => {
    expect(
      previewSchedule({
        expression: '@at 2026-05-01T10:00:00Z',
        timezone: 'Europe/Berlin',
        from: new Date('2026-01-01T00:00:00Z'),
      }),
    ).toEqual(['2026-05-01T12:00:00+02:00']);
  });

  it('@after exposes the instant and the grace; next reports only the instant', () => {
    const schedule = parseSchedule('@after 2026-05-01T10:00:00Z <PT1H');
    expect(schedule.kind).toBe('after');
    expect(iso(schedule.at)).toBe('2026-05-01T10:00:00.000Z');
    expect(schedule.graceMs).toBe(3_600_000);
    expect(iso(schedule.next(new Date('2026-05-01T09:59:59Z')))).toBe('2026-05-01T10:00:00.000Z');
    expect(schedule.next(new Date('2026-05-01T10:30:00Z'))).toBeUndefined();
  });

  it('@after accepts any ISO 8601 grace', () => {
    expect(parseSchedule('@after 2026-05-01T10:00:00+02:00 <P1DT2H30M').graceMs).toBe(95_400_000);
    expect(parseSchedule('@after 2026-05-01T10:00:00Z <PT30S').graceMs).toBe(30_000);
  });

  it('@manually never fires', () => {
    const schedule = parseSchedule('@manually');
    expect(schedule.kind).toBe('manually');
    expect(schedule.next(new Date())).toBeUndefined();
    expect(schedule.nextN(Date.now(), 5)).toEqual([]);
    expect(previewSchedule({ expression: '@manually' })).toEqual([]);
  });
});

describe('~ hashing (dkron-behaviour §4.3)', () => {
  const cases: { expr: string; job: string; want: string }[] = [
    // test_job: code points sum to 858
    { expr: '0 0 ~ * * *', job: 'test_job', want: '0 0 18 * * *' },
    { expr: '0 0 0 1 ~ *', job: 'test_job', want: '0 0 0 1 7 *' },
    { expr: '~ ~ ~ ~ ~ ~', job: 'test_job', want: '18 18 18 19 7 4' },
    { expr: '0 ~/15 * * * *', job: 'test_job', want: '0 18/15 * * * *' },
    { expr: 'TZ=Europe/Berlin 0 0 ~ * * *', job: 'test_job', want: 'TZ=Europe/Berlin 0 0 18 * * *' },
    { expr: 'CRON_TZ=UTC ~ 0 0 * * *', job: 'test_job', want: 'CRON_TZ=UTC 18 0 0 * * *' },
    // 'a' = 97
    { expr: '~ ~ ~ ~ ~ ~', job: 'a', want: '37 37 1 14 2 6' },
    // code points, not UTF-16 units: U+1F600 = 128512, 128512 % 24 = 16
    { expr: '0 0 ~ * * *', job: '\u{1F600}', want: '0 0 16 * * *' },
    { expr: '0 0 ~ * * *', job: '', want: '0 0 0 * * *' },
    // 5 fields start at the minutes
    { expr: '~ ~ * * *', job: 'test_job', want: '18 18 * * *' },
    // untouched: no `~`, or a part starting with `@`
    { expr: '0  0 12 * * *', job: 'test_job', want: '0  0 12 * * *' },
    { expr: '@every 1h~', job: 'test_job', want: '@every 1h~' },
    { expr: 'TZ=UTC @daily ~', job: 'test_job', want: 'TZ=UTC @daily ~' },
  ];
  it.each(cases)('$expr for $job', ({ expr, job, want }) => {
    expect(hashSchedule(expr, job)).toBe(want);
  });

  it('parseSchedule hashes with the job name and keeps the source', () => {
    const schedule = parseSchedule('0 ~/15 ~ * * *', { jobName: 'test_job' });
    expect(schedule.source).toBe('0 ~/15 ~ * * *');
    expect(schedule.nextN(new Date('2026-01-01T00:00:00Z'), 4).map(iso)).toEqual([
      '2026-01-01T18:18:00.000Z',
      '2026-01-01T18:33:00.000Z',
      '2026-01-01T18:48:00.000Z',
      '2026-01-02T18:18:00.000Z',
    ]);
  });

  it('previewSchedule hashes with jobName', () => {
    expect(
      previewSchedule({
        expression: '0 0 ~ * * *',
        jobName: 'test_job',
        timezone: 'Europe/Berlin',
        from: new Date('2026-01-01T00:00:00Z'),
        count: 1,
      }),
    ).toEqual(['2026-01-01T18:00:00+01:00']);
  });
});

describe('TZ= and CRON_TZ= prefixes', () => {
  const cases: { expr: string; tz?: string; zone: string; from: string; want: string[] }[] = [
    {
      expr: 'TZ=America/New_York 0 0 9 * * *',
      zone: 'America/New_York',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-01T09:00:00-05:00'],
    },
    {
      expr: 'CRON_TZ=Asia/Tokyo 0 0 9 * * *',
      zone: 'Asia/Tokyo',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-02T09:00:00+09:00'],
    },
    // an explicit prefix wins over the job zone
    {
      expr: 'TZ=Asia/Kolkata 0 30 9 * * *',
      tz: 'Europe/Berlin',
      zone: 'Asia/Kolkata',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-01T09:30:00+05:30'],
    },
    {
      expr: 'TZ=UTC 0 0 0 * * *',
      tz: 'America/New_York',
      zone: 'UTC',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-02T00:00:00Z'],
    },
    {
      expr: 'CRON_TZ=Europe/Berlin @daily',
      tz: 'America/New_York',
      zone: 'Europe/Berlin',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-02T00:00:00+01:00'],
    },
    {
      expr: 'TZ=America/New_York 30 2 * * *',
      zone: 'America/New_York',
      from: '2026-03-07T12:00:00Z',
      want: ['2026-03-08T03:00:00-04:00'],
    },
    {
      expr: 'TZ=Europe/Berlin @every 1h',
      zone: 'Europe/Berlin',
      from: '2026-01-01T00:00:00Z',
      want: ['2026-01-01T02:00:00+01:00'],
    },
    {
      expr: 'CRON_TZ=Australia/Lord_Howe  0 0 2 * * *',
      zone: 'Australia/Lord_Howe',
      from: '2026-10-03T00:00:00Z',
      want: ['2026-10-04T02:30:00+11:00'],
    },
  ];
  it.each(cases)('$expr (job zone $tz)', ({ expr, tz, zone, from, want }) => {
    const input = { expression: expr, from: new Date(from), count: want.length };
    expect(previewSchedule(tz === undefined ? input : { ...input, timezone: tz })).toEqual(want);
    expect(parseSchedule(expr, tz === undefined ? {} : { timezone: tz }).timezone).toBe(zone);
  });

  it('uses the job zone, then the default zone, then UTC', () => {
    expect(
      parseSchedule('@daily', { timezone: 'Asia/Tokyo', defaultTimezone: 'Europe/Berlin' }).timezone,
    ).toBe('Asia/Tokyo');
    expect(parseSchedule('@daily', { timezone: '', defaultTimezone: 'Europe/Berlin' }).timezone).toBe(
      'Europe/Berlin',
    );
    expect(parseSchedule('@daily').timezone).toBe('UTC');
  });
});
