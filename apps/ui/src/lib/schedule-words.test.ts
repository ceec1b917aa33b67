import { describe, expect, it } from 'vitest';
import { describeSchedule, durationWords } from './schedule-words';

describe('describeSchedule', () => {
  it.each([
    ['@every 10s', 'every 10 seconds'],
    ['@every 1h30m', 'every 1 hour 30 minutes'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['0 30 2 * * 1-5', 'at 02:30 on weekdays'],
    ['0 30 2 * * MON-FRI', 'at 02:30 on weekdays'],
    ['30 2 * * *', 'at 02:30'],
    ['0 0 9 * * SAT,SUN', 'at 09:00 on weekends'],
    ['0 15 10 1,15 * *', 'at 10:15 on day 1, 15 of the month'],
    ['0 0 0 1 JAN *', 'at 00:00 on day 1 of the month in January'],
    ['0 */5 * * * *', 'every 5 minutes'],
    ['0 * * * * *', 'every minute'],
    ['0 5 * * * *', 'every hour at minute 5'],
    ['* * * * * *', 'every second'],
    ['0 0 */2 * * *', 'every 2 hours at minute 0'],
    ['0 0 9 * * 1,3', 'at 09:00 on Monday, Wednesday'],
    ['@daily', 'every day at 00:00'],
    ['TZ=Europe/Paris @daily', 'every day at 00:00 (Europe/Paris)'],
    ['@manually', 'only when run by hand or by its parent'],
    ['@at 2026-01-01T00:00:00Z', 'once, at 2026-01-01T00:00:00Z'],
    [
      '~ ~ 3 * * *',
      'at a fixed second chosen from the job name, at a fixed minute chosen from the job name, at hour 3',
    ],
  ])('%s → %s', (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
  });

  it('does not pretend to read what it does not know', () => {
    expect(describeSchedule('@every ten')).toBeUndefined();
    expect(describeSchedule('1 2 3')).toBeUndefined();
    expect(describeSchedule('@sometimes')).toBeUndefined();
  });

  it('reads Go durations', () => {
    expect(durationWords('1m')).toBe('1 minute');
    expect(durationWords('2h')).toBe('2 hours');
    expect(durationWords('5x')).toBeUndefined();
  });
});
