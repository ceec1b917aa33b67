import { describe, expect, it } from 'vitest';
import { annotateDst, offsetAt } from './dst';

const NY = 'America/New_York';

describe('annotateDst', () => {
  it('marks the spring-forward transition between two daily runs', () => {
    // 02:30 daily in New York: 8 March 2026 has no 02:30, the run is at 03:00 EDT.
    const times = ['2026-03-07T02:30:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-09T02:30:00-04:00'];
    const [a, b, c] = annotateDst(times, NY);
    expect(a?.transition).toBeUndefined();
    expect(b?.transition).toEqual({
      at: Date.parse('2026-03-08T07:00:00Z'),
      from: -300,
      to: -240,
      kind: 'forward',
    });
    expect(c?.transition).toBeUndefined();
  });

  it('marks the fall-back transition and both runs of a repeated hour', () => {
    // Every 30 minutes through 1 November 2026, when 01:00-02:00 happens twice.
    const times = [
      '2026-11-01T00:30:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T01:30:00-05:00',
      '2026-11-01T02:30:00-05:00',
    ];
    const marks = annotateDst(times, NY);
    expect(marks.map((m) => m.repeated)).toEqual([undefined, 'first', 'second', undefined]);
    expect(marks[2]?.transition).toMatchObject({
      kind: 'back',
      from: -240,
      to: -300,
      at: Date.parse('2026-11-01T06:00:00Z'),
    });
  });

  it('reads offsets of zones with and without DST', () => {
    expect(offsetAt('UTC', Date.parse('2026-07-01T00:00:00Z'))).toBe(0);
    expect(offsetAt('Asia/Kolkata', Date.parse('2026-07-01T00:00:00Z'))).toBe(330);
    expect(
      annotateDst(['2026-07-01T00:00:00Z', '2026-12-01T00:00:00Z'], 'UTC').some((m) => m.transition),
    ).toBe(false);
  });
});
