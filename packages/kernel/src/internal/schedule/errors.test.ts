import { isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { parseSchedule, previewSchedule, type ScheduleOptions } from './index.js';

/** The error parseSchedule throws, checked to be a SCHEDULE_INVALID about the schedule field. */
function scheduleFailure(expression: string, options?: ScheduleOptions): string {
  try {
    parseSchedule(expression, options);
  } catch (error) {
    expect(isDkronError(error, 'SCHEDULE_INVALID')).toBe(true);
    expect(isDkronError(error) && error.details.field).toBe('schedule');
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be refused`);
}

describe('cron field errors name the field and the value', () => {
  const cases: [string, string][] = [
    ['0 0 25 * * *', 'hours: value 25 out of range 0-23 in "0 0 25 * * *"'],
    ['60 * * * * *', 'seconds: value 60 out of range 0-59 in "60 * * * * *"'],
    ['0 60 * * * *', 'minutes: value 60 out of range 0-59 in "0 60 * * * *"'],
    ['0 0 0 0 * *', 'day-of-month: value 0 out of range 1-31 in "0 0 0 0 * *"'],
    ['0 0 0 32 * *', 'day-of-month: value 32 out of range 1-31 in "0 0 0 32 * *"'],
    ['0 0 0 1 13 *', 'month: value 13 out of range 1-12 in "0 0 0 1 13 *"'],
    ['0 0 0 1 0 *', 'month: value 0 out of range 1-12 in "0 0 0 1 0 *"'],
    ['0 0 0 * * 8', 'day-of-week: value 8 out of range 0-7 in "0 0 0 * * 8"'],
    ['0 0 1-24 * * *', 'hours: value 24 out of range 0-23 in "0 0 1-24 * * *"'],
    ['0 0 0 * foo *', 'month: invalid value "foo" in "0 0 0 * foo *"'],
    ['0 0 0 * * MON-', 'day-of-week: invalid value "" in "0 0 0 * * MON-"'],
    ['0 0 0 * MON *', 'month: invalid value "MON" in "0 0 0 * MON *"'],
    ['0 0 0 * * JAN', 'day-of-week: invalid value "JAN" in "0 0 0 * * JAN"'],
    ['0 0 -1 * * *', 'hours: invalid value "" in "0 0 -1 * * *"'],
    ['0 0 H * * *', 'hours: invalid value "H" in "0 0 H * * *"'],
    ['0 0 0 L * *', 'day-of-month: invalid value "L" in "0 0 0 L * *"'],
    ['0 0 5-3 * * *', 'hours: range 5-3 is reversed in "0 0 5-3 * * *"'],
    ['*/0 * * * * *', 'seconds: step 0 must be at least 1 in "*/0 * * * * *"'],
    ['*/x * * * * *', 'seconds: invalid step "x" in "*/x * * * * *"'],
    ['0 */ * * * *', 'minutes: invalid step "" in "0 */ * * * *"'],
    ['1/2/3 * * * * *', 'seconds: too many slashes in "1/2/3" in "1/2/3 * * * * *"'],
    ['1-2-3 * * * * *', 'seconds: too many hyphens in "1-2-3" in "1-2-3 * * * * *"'],
    ['1,,2 * * * * *', 'seconds: empty list item in "1,,2" in "1,,2 * * * * *"'],
    ['* * * *', 'expected 5 or 6 fields (seconds first, optional), found 4 in "* * * *"'],
    ['0 0 0 1 1 * 2026', 'expected 5 or 6 fields (seconds first, optional), found 7 in "0 0 0 1 1 * 2026"'],
    ['', 'empty schedule'],
    ['   ', 'empty schedule'],
    ['99 * * * *', 'minutes: value 99 out of range 0-59 in "99 * * * *"'],
  ];
  it.each(cases)('%j', (expression, message) => {
    expect(scheduleFailure(expression)).toBe(message);
  });
});

describe('impossible dates are refused at parse time', () => {
  const cases: [string, string][] = [
    ['0 0 0 30 2 *', 'day-of-month: 30 never occurs in month 2, so "0 0 0 30 2 *" can never fire'],
    ['0 0 0 31 4 *', 'day-of-month: 31 never occurs in month 4, so "0 0 0 31 4 *" can never fire'],
    [
      '0 0 0 30,31 feb *',
      'day-of-month: 30,31 never occurs in month feb, so "0 0 0 30,31 feb *" can never fire',
    ],
    [
      '0 0 0 31 2,4,6,9,11 *',
      'day-of-month: 31 never occurs in month 2,4,6,9,11, so "0 0 0 31 2,4,6,9,11 *" can never fire',
    ],
    ['0 0 30 2 *', 'day-of-month: 30 never occurs in month 2, so "0 0 30 2 *" can never fire'],
  ];
  it.each(cases)('%j', (expression, message) => {
    expect(scheduleFailure(expression)).toBe(message);
  });

  it('accepts dates that exist only in some years', () => {
    expect(() => parseSchedule('0 0 0 29 2 *')).not.toThrow();
    expect(() => parseSchedule('0 0 0 31 1-4 *')).not.toThrow();
    // either-day rule: the weekday keeps it alive
    expect(() => parseSchedule('0 0 0 30 2 1')).not.toThrow();
  });
});

describe('zones, descriptors and @ forms', () => {
  const cases: [string, ScheduleOptions | undefined, string][] = [
    ['TZ=Foo/Bar 0 0 0 * * *', undefined, 'unknown time zone Foo/Bar'],
    ['CRON_TZ=Mars/Olympus @daily', undefined, 'unknown time zone Mars/Olympus'],
    ['0 0 0 * * *', { timezone: 'Foo/Bar' }, 'unknown time zone Foo/Bar'],
    ['0 0 0 * * *', { defaultTimezone: 'Nowhere' }, 'unknown time zone Nowhere'],
    ['0 0 0 * * *', { timezone: '+05:00' }, 'unknown time zone +05:00'],
    ['TZ=Europe/Berlin', undefined, 'missing schedule after TZ=Europe/Berlin'],
    ['@foo', undefined, 'unrecognized descriptor: @foo'],
    ['@daily extra', undefined, '@daily takes no argument, got: @daily extra'],
    ['@manually now', undefined, '@manually takes no argument, got: @manually now'],
    ['@every', undefined, '@every requires a duration such as 1h30m, got: @every'],
    ['@every 5x', undefined, '@every: unknown unit "x" in duration "5x"'],
    ['@every 1d', undefined, '@every: unknown unit "d" in duration "1d"'],
    ['@every 10', undefined, '@every: missing unit in duration "10"'],
    ['@every 1h 30m', undefined, '@every: unknown unit "h " in duration "1h 30m"'],
    ['@every -1s', undefined, '@every: duration must not be negative, got "-1s"'],
    ['@at', undefined, '@at requires format: @at <RFC3339 datetime>, got: @at'],
    [
      '@at tomorrow',
      undefined,
      'failed to parse date in @at: "tomorrow" is not an RFC 3339 date-time such as 2026-01-02T15:04:05Z',
    ],
    [
      '@at 2026-02-30T00:00:00Z',
      undefined,
      'failed to parse date in @at: day out of range in "2026-02-30T00:00:00Z"',
    ],
    [
      '@at 2026-01-01T24:00:00Z',
      undefined,
      'failed to parse date in @at: time out of range in "2026-01-01T24:00:00Z"',
    ],
    [
      '@after 2026-01-01T00:00:00Z',
      undefined,
      '@after requires format: @after <RFC3339 datetime> <ISO8601 duration>, got: @after 2026-01-01T00:00:00Z',
    ],
    ['@after 2026-01-01T00:00:00Z PT1H', undefined, "grace period must start with '<', got: PT1H"],
    [
      '@after yesterday <PT1H',
      undefined,
      'failed to parse date in @after: "yesterday" is not an RFC 3339 date-time such as 2026-01-02T15:04:05Z',
    ],
    [
      '@after 2026-01-01T00:00:00Z <P2H',
      undefined,
      'failed to parse grace period in @after: invalid ISO 8601 duration "P2H": expected P[nY][nM][nW][nD][T[nH][nM][nS]], e.g. PT1H30M',
    ],
    [
      '@after 2026-01-01T00:00:00Z <PT0S',
      undefined,
      'failed to parse grace period in @after: ISO 8601 duration "PT0S" must be greater than zero',
    ],
    ['0 0 ~ * * *', undefined, '"~" needs the job name to hash in "0 0 ~ * * *"'],
  ];
  it.each(cases)('%j %j', (expression, options, message) => {
    expect(scheduleFailure(expression, options)).toBe(message);
  });
});

describe('argument errors', () => {
  it('refuses an invalid from date with VALIDATION', () => {
    const schedule = parseSchedule('@daily');
    expect(() => schedule.next(new Date('nope'))).toThrow('from is not a valid date');
    expect(() => schedule.next(Number.NaN)).toThrow('from is not a valid date');
  });

  it('refuses a bad preview count', () => {
    for (const count of [0, -1, 1.5, 1001]) {
      try {
        previewSchedule({ expression: '@daily', count });
        expect.unreachable();
      } catch (error) {
        expect(isDkronError(error, 'VALIDATION')).toBe(true);
        expect((error as Error).message).toBe(`count must be an integer from 1 to 1000, got ${count}`);
      }
    }
  });

  it('refuses a negative nextN count', () => {
    expect(() => parseSchedule('@daily').nextN(0, -1)).toThrow(
      'count must be a non-negative integer, got -1',
    );
  });
});
