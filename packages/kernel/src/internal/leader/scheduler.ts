import type { Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { Schedule } from '../schedule/index.js';
import { MinHeap } from './min-heap.js';

/** Node clamps longer timer delays to 1 ms, so long waits are split into steps of at most this. */
const MAX_TIMER_MS = 2_147_483_647;
/** Missed slots are counted up to this many per catch-up, so a long outage cannot stall a tick. */
const MAX_MISSED_COUNT = 10_000;

/** A slot that came due. `slot` is `undefined` when every due slot was missed and none runs. */

/** How late a slot may start even with a catch-up window of 0 (timer and loop jitter). */
export const LATE_TOLERANCE_MS = 1000;
export interface DueSlot {
  readonly name: string;
  readonly slot: number | undefined;
  /** Slots that passed without running (older than the catch-up window). */
  readonly missed: number;
  /** The next fire time after this tick, `undefined` when the schedule is exhausted. */
  readonly next: number | undefined;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called once per tick with every entry that came due; not awaited by the timer. */
  readonly onDue: (due: DueSlot[]) => void;
  /**
   * A slot this late still runs even with a catch-up window of 0: timers and busy event loops
   * make every launch a little late, which is not "missed".
   */
  readonly lateToleranceMs?: number;
  /**
   * Hands slots over this long before they are due, so that their launch records are written by the
   * time they start; the receiver starts them at the slot, never before. Default 0.
   */
  readonly leadMs?: number;
}

interface Entry {
  readonly schedule: Schedule;
  readonly windowMs: number;
  nextAt: number | undefined;
  version: number;
}

/**
 * The timer wheel of one leader: keeps every scheduled job's next fire time in a heap and arms a
 * single timer for the earliest. Never fires early (re-arms when woken before the due time) and
 * applies the catch-up rule when a tick finds slots older than the job's window.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<{ name: string; version: number }>();
  private timer: { cancel(): void } | undefined;
  private armedFor: number | undefined;
  private running = false;
  private versions = 0;

  constructor(private readonly options: SchedulerOptions) {}

  /** Adds or replaces a job; its first fire time is the first slot strictly after `from`. */
  set(name: string, schedule: Schedule, windowMs: number, from: number): number | undefined {
    const nextAt = schedule.next(from)?.getTime();
    const entry: Entry = { schedule, windowMs, nextAt, version: ++this.versions };
    this.entries.set(name, entry);
    if (nextAt !== undefined) {
      this.heap.push(nextAt, { name, version: entry.version });
      if (this.running && (this.armedFor === undefined || nextAt < this.armedFor)) this.arm();
    }
    return nextAt;
  }

  remove(name: string): void {
    // The heap entry goes stale and is skipped when popped.
    this.entries.delete(name);
  }

  /** Next fire time of a job (ms), if scheduled. */
  nextOf(name: string): number | undefined {
    return this.entries.get(name)?.nextAt;
  }

  get size(): number {
    return this.entries.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.armedFor = undefined;
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.armedFor = undefined;
    this.dropStale();
    const key = this.heap.peekKey();
    if (!this.running || key === undefined) return;
    const lead = this.options.leadMs ?? 0;
    const delay = Math.min(Math.max(key - lead - this.options.clock.now(), 0), MAX_TIMER_MS);
    this.armedFor = key;
    this.timer = this.options.clock.setTimeout(() => this.tick(), delay);
  }

  private dropStale(): void {
    for (;;) {
      const key = this.heap.peekKey();
      const item = this.heap.peek();
      if (key === undefined || item === undefined) return;
      const entry = this.entries.get(item.name);
      if (entry && entry.version === item.version && entry.nextAt === key) return;
      this.heap.pop();
    }
  }

  private tick(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    if (!this.running) return;
    const now = this.options.clock.now();
    const horizon = now + (this.options.leadMs ?? 0);
    const due: DueSlot[] = [];
    for (;;) {
      const key = this.heap.peekKey();
      if (key === undefined || key > horizon) break;
      const item = this.heap.pop() as { name: string; version: number };
      const entry = this.entries.get(item.name);
      if (!entry || entry.version !== item.version || entry.nextAt !== key) continue;
      const slot = this.resolveDue(item.name, entry, key, now);
      due.push(slot);
      entry.nextAt = slot.next;
      if (slot.next !== undefined) this.heap.push(slot.next, item);
    }
    if (due.length > 0) {
      try {
        this.options.onDue(due);
      } catch (err) {
        this.options.logger.error('scheduler: launching due jobs failed', { err: String(err) });
      }
    }
    this.arm();
  }

  /** Applies the catch-up rule to an entry whose slot `first` is due at `now`. */
  private resolveDue(name: string, entry: Entry, first: number, now: number): DueSlot {
    const { schedule } = entry;
    const tolerance = Math.max(entry.windowMs, this.options.lateToleranceMs ?? LATE_TOLERANCE_MS);
    // A slot handed over ahead of time (lead) is after `now`: the next one follows it.
    const next = schedule.next(Math.max(first, now))?.getTime();
    const second = schedule.next(first)?.getTime();
    if (second === undefined || second > now) {
      // The common case: exactly one slot passed.
      return now - first <= tolerance
        ? { name, slot: first, missed: 0, next }
        : { name, slot: undefined, missed: 1, next };
    }
    // Several slots passed (downtime, a blocked loop): run the latest one inside the window, count the rest.
    let latest: number | undefined;
    for (
      let t = schedule.next(Math.max(first, now - tolerance) - 1)?.getTime();
      t !== undefined && t <= now;
    ) {
      latest = t;
      t = schedule.next(t)?.getTime();
    }
    let passed = 0;
    for (
      let t: number | undefined = first;
      t !== undefined && t <= now && passed < MAX_MISSED_COUNT;
      passed++
    ) {
      t = schedule.next(t)?.getTime();
    }
    if (latest === undefined || now - latest > tolerance)
      return { name, slot: undefined, missed: passed, next };
    return { name, slot: latest, missed: Math.max(passed - 1, 0), next };
  }
}
