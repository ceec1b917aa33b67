import { describe, expect, it } from 'vitest';
import { createFakeClock, silentLogger } from '../agent/test-kit.js';
import { parseSchedule } from '../schedule/index.js';
import { type DueSlot, Scheduler } from './scheduler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup() {
  const clock = createFakeClock(T0);
  const delays: number[] = [];
  const due: DueSlot[] = [];
  const spy = {
    now: clock.now,
    setTimeout(fn: () => void, ms: number) {
      delays.push(ms);
      return clock.setTimeout(fn, ms);
    },
  };
  const scheduler = new Scheduler({ clock: spy, logger: silentLogger, onDue: (d) => void due.push(...d) });
  return { clock, delays, due, scheduler };
}

describe('Scheduler', () => {
  it('splits waits longer than Node can time (24.8 days) and still fires on the slot', async () => {
    const { clock, delays, due, scheduler } = setup();
    const at = T0 + 60 * 86_400_000; // 60 days ahead
    scheduler.set('far', parseSchedule(`@at ${new Date(at).toISOString()}`), 60_000, T0);
    scheduler.start();
    expect(delays).toEqual([2_147_483_647]);
    await clock.advance(2_147_483_647);
    expect(due).toEqual([]);
    await clock.advance(at - clock.now());
    expect(due).toEqual([{ name: 'far', slot: at, missed: 0, next: undefined }]);
    expect(delays.every((d) => d <= 2_147_483_647)).toBe(true);
  });

  it('re-arms instead of firing when woken before the slot', async () => {
    const { clock, due, scheduler } = setup();
    scheduler.set('s', parseSchedule('@every 10s', { anchor: T0 }), 60_000, T0);
    scheduler.start();
    // A timer that fires early (as Node's may by ~1 ms) must not launch the slot.
    await clock.advance(9_999);
    expect(due).toEqual([]);
    await clock.advance(1);
    expect(due.map((d) => d.slot)).toEqual([T0 + 10_000]);
  });

  it('hands over every job due in one tick together', async () => {
    const { clock, due, scheduler } = setup();
    for (const name of ['a', 'b', 'c']) scheduler.set(name, parseSchedule('* * * * * *'), 60_000, T0);
    scheduler.start();
    await clock.advance(1_000);
    expect(due.map((d) => d.name).sort()).toEqual(['a', 'b', 'c']);
  });

  it('forgets removed jobs and ignores their stale heap entries', async () => {
    const { clock, due, scheduler } = setup();
    scheduler.set('x', parseSchedule('@every 1s', { anchor: T0 }), 60_000, T0);
    scheduler.start();
    scheduler.remove('x');
    await clock.advance(5_000);
    expect(due).toEqual([]);
    expect(scheduler.size).toBe(0);
  });

  it('a slot later than the catch-up window (and the 1 s tolerance) is missed, not run', async () => {
    const { clock, due, scheduler } = setup();
    scheduler.set('late', parseSchedule('@every 1m', { anchor: T0 }), 0, T0);
    // The loop was blocked: the scheduler starts 5 s after the slot.
    await clock.advance(65_000);
    scheduler.start();
    await clock.advance(0);
    expect(due).toEqual([{ name: 'late', slot: undefined, missed: 1, next: T0 + 120_000 }]);
  });
});
