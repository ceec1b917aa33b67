import { DkronError, definePlugin, isDkronError, type Job } from '@dkron-core/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { START_HOLD_MS } from '../leader/launch-ledger.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { createAgent } from './agent.js';
import {
  createFakeClock,
  executions,
  type FakeClock,
  type Harness,
  harness,
  job,
  settle,
  silentLogger,
  T0,
  type TestExecutorControl,
  testExecutorPlugin,
} from './test-kit.js';

let h: Harness;
afterEach(async () => {
  for (const release of h?.control.held ?? []) release(true);
  await h?.agent.stop({ timeoutMs: 0 });
});

describe('agent: saving jobs', () => {
  beforeEach(async () => {
    h = await harness();
  });

  it('stores a valid job with its next fire time computed in its zone', async () => {
    const saved = await h.agent.saveJob(
      job('daily', { schedule: '0 30 9 * * *', timezone: 'Europe/Berlin' }),
    );
    // 09:30 in Berlin on 2026-11-21 (CET, +01:00) is 08:30 UTC, already past at 12:00 UTC: next day.
    expect(saved.next).toBe('2026-11-22T08:30:00Z');
    expect((await h.agent.getJob('daily'))?.next).toBe('2026-11-22T08:30:00Z');
  });

  it('stores a new job with its next fire time in one write', async () => {
    const writes: string[] = [];
    const store = createMemoryStore();
    for (const method of ['saveJob', 'patchJob'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        writes.push(method);
        return original(...args);
      };
    }
    h = await harness({ store });
    const saved = await h.agent.saveJob(job('one-write', { schedule: '@every 1m' }));
    expect(saved.next).toBe('2026-11-21T12:01:00Z');
    expect(writes).toEqual(['saveJob']);
    // Changing the schedule still ends with the new next stored.
    const updated = await h.agent.saveJob(job('one-write', { schedule: '0 0 13 * * *' }));
    expect(updated.next).toBe('2026-11-21T13:00:00Z');
    expect((await store.getJob('one-write'))?.next).toBe('2026-11-21T13:00:00Z');
  });

  it('refuses invalid jobs with Dkron reasons', async () => {
    await expect(h.agent.saveJob(job('bad job!'))).rejects.toThrow("name contains illegal character ' '");
    await expect(h.agent.saveJob(job('x', { executor: 'nope' }))).rejects.toThrow(/unknown executor "nope"/);
    await expect(h.agent.saveJob(job('x', { executor_config: { mode: 'weird' } }))).rejects.toThrow(
      /executor_config\.mode/,
    );
  });

  it('refuses a missing parent with NOT_FOUND and a parent cycle with VALIDATION', async () => {
    const missing = await h.agent.saveJob(job('child', { parent_job: 'ghost' })).catch((e: unknown) => e);
    expect(isDkronError(missing, 'NOT_FOUND')).toBe(true);
    expect((missing as Error).message).toBe('specified parent job not found');
    await h.agent.saveJob(job('a'));
    await h.agent.saveJob(job('b', { parent_job: 'a' }));
    const cycle = await h.agent.saveJob(job('a', { parent_job: 'b' })).catch((e: unknown) => e);
    expect(isDkronError(cycle, 'VALIDATION')).toBe(true);
    expect((cycle as Error).message).toMatch(/cycle/);
  });

  it('a disabled job cannot be run manually; toggling enables it', async () => {
    await h.agent.saveJob(job('off', { disabled: true }));
    const err = await h.agent.runJob('off').catch((e: unknown) => e);
    expect(isDkronError(err, 'NOT_FOUND')).toBe(true);
    const toggled = await h.agent.toggleJob('off');
    expect(toggled.disabled).toBe(false);
    await h.agent.runJob('off');
    await settle();
    expect(h.control.calls).toEqual(['off']);
  });
});

describe('agent: scheduling', () => {
  beforeEach(async () => {
    h = await harness();
  });

  it('fails closed when the store refuses launches, and counts those slots as missed once it takes writes', async () => {
    const store = createMemoryStore();
    let refusing = true;
    const recordLaunches = store.recordLaunches.bind(store);
    const patchJob = store.patchJob.bind(store);
    const refuse = () =>
      Promise.reject(new DkronError('UNAVAILABLE', 'store disk full: database or disk is full'));
    store.recordLaunches = (intents) => (refusing ? refuse() : recordLaunches(intents));
    store.patchJob = (name, patch) => (refusing ? refuse() : patchJob(name, patch));
    const missed: string[] = [];
    const watcher = definePlugin({
      name: 'watch-missed',
      apiVersion: 1,
      setup(host) {
        host.on('schedule:missed', ({ job: j, count, reason }) => {
          missed.push(`${j.name} ${count} ${reason}`);
        });
      },
    });
    await h.agent.stop();
    h = await harness({ store, plugins: [watcher] });
    await h.agent.saveJob(job('tick'));
    await h.clock.advance(35_000);
    expect(h.control.calls).toEqual([]);
    expect(missed).toEqual(['tick 1 store', 'tick 1 store', 'tick 1 store']);
    expect((await store.getJob('tick'))?.missed_count).toBe(0);

    refusing = false;
    await h.clock.advance(10_000);
    expect(h.control.calls).toEqual(['tick']);
    expect((await store.getJob('tick'))?.missed_count).toBe(3);
  });

  it('runs an @every job at each slot, recording executions, counters and next', async () => {
    await h.agent.saveJob(job('tick', { executor_config: { mode: 'ok', text: 'hello' } }));
    await h.clock.advance(35_000);
    const runs = await executions(h.store, 'tick');
    expect(runs).toHaveLength(3);
    expect(runs.map((r) => r.scheduled_at)).toEqual([
      '2026-11-21T12:00:10Z',
      '2026-11-21T12:00:20Z',
      '2026-11-21T12:00:30Z',
    ]);
    expect(runs.every((r) => r.success && r.status === 'success' && r.output === 'hello')).toBe(true);
    const stored = await h.agent.getJob('tick');
    expect(stored?.success_count).toBe(3);
    expect(stored?.status).toBe('success');
    expect(stored?.next).toBe('2026-11-21T12:00:40Z');
  });

  it('starts a run recorded ahead of its slot only at the slot, even when its timer wakes early', async () => {
    const early = createFakeClock(T0);
    const wake = early.setTimeout.bind(early);
    // A clock whose timers longer than 1 ms fire 1 ms before they are due, as Node's may.
    const clock = { ...early, setTimeout: (fn: () => void, ms: number) => wake(fn, ms > 1 ? ms - 1 : ms) };
    h = await harness({ clock: clock as FakeClock });
    const startedAt: number[] = [];
    await h.agent.saveJob(job('exact', { executor_config: { mode: 'ok' } }));
    const original = h.control.calls.push.bind(h.control.calls);
    h.control.calls.push = (...names: string[]) => {
      startedAt.push(early.now());
      return original(...names);
    };
    await early.advance(10_000);
    expect(startedAt).toEqual([T0 + 10_000]);
  });

  it('calls every executor of a slot before recording any of its runs', async () => {
    const callsSeenByFirstWrite: number[] = [];
    const store = createMemoryStore();
    const startExecutions = store.startExecutions.bind(store);
    store.startExecutions = (...args) => {
      callsSeenByFirstWrite.push(h.control.calls.length);
      return startExecutions(...args);
    };
    // Runs that end within the hold are written once, as they ended.
    const recordFinished = store.recordFinishedExecutions?.bind(store);
    store.recordFinishedExecutions = (...args) => {
      callsSeenByFirstWrite.push(h.control.calls.length);
      return recordFinished?.(...args) ?? Promise.resolve();
    };
    h = await harness({ store });
    const startsAt = new Date(T0 + 5_000).toISOString();
    for (let i = 0; i < 20; i++) await h.agent.saveJob(job(`same-${i}`, { starts_at: startsAt }));
    await h.clock.advance(10_000);
    expect(h.control.calls).toHaveLength(20);
    expect(callsSeenByFirstWrite[0]).toBe(20);
  });

  it('runs late and says so when the launch records are written after their slot', async () => {
    const store = createMemoryStore();
    const recordLaunches = store.recordLaunches.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    store.recordLaunches = async (...args) => {
      await gate;
      return recordLaunches(...args);
    };
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const clock = createFakeClock(T0);
    const registry = createPluginRegistry({ nodeName: 'node1', logger: silentLogger });
    const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
    await registry.register(testExecutorPlugin(control));
    const agent = createAgent({
      nodeName: 'node1',
      version: 'test',
      store,
      registry,
      clock,
      logger: { ...silentLogger, warn: (message, fields) => warnings.push({ message, fields }) },
    });
    await agent.start();
    h = { agent, store, clock, control };
    await agent.saveJob(job('late'));
    await clock.advance(10_500);
    expect(control.calls).toEqual([]); // not recorded: not started
    release();
    await clock.advance(0);
    expect(control.calls).toEqual(['late']);
    expect(warnings).toContainEqual({
      message: 'launch records were written after their slot; runs start late',
      fields: expect.objectContaining({ count: 1, lateMs: 500 }),
    });
  });

  it('does not start a recorded run whose job was deleted or disabled before the slot', async () => {
    await h.agent.saveJob(job('gone'));
    await h.agent.saveJob(job('off'));
    await h.clock.advance(9_500); // both launches recorded 800 ms ahead of 12:00:10
    expect(await h.store.lastLaunches()).toEqual(
      new Map([
        ['gone', T0 + 10_000],
        ['off', T0 + 10_000],
      ]),
    );
    await h.agent.deleteJob('gone');
    await h.agent.toggleJob('off');
    await h.clock.advance(1_000);
    expect(h.control.calls).toEqual([]);
  });

  it('never fires before the slot even when the timer wakes early', async () => {
    await h.agent.saveJob(job('tick'));
    await h.clock.advance(9_999);
    expect(h.control.calls).toEqual([]);
    await h.clock.advance(1);
    expect(h.control.calls).toEqual(['tick']);
  });

  it('skips a forbid job while it runs and runs it again once it finished', async () => {
    await h.agent.saveJob(job('slow', { concurrency: 'forbid', executor_config: { mode: 'hold' } }));
    await h.clock.advance(25_000);
    expect(h.control.calls).toEqual(['slow']);
    h.control.held.shift()?.(true);
    await h.clock.advance(10_000);
    expect(h.control.calls).toEqual(['slow', 'slow']);
  });

  it('checks forbid again when a run starts: a slot planned while the previous one was being recorded does not overlap it', async () => {
    const store = createMemoryStore();
    const record = store.recordLaunches.bind(store);
    let hold: (() => void) | undefined;
    let held = 0;
    store.recordLaunches = async (intents) => {
      if (held++ === 0) await new Promise<void>((resolve) => (hold = resolve));
      return record(intents);
    };
    h = await harness({ store });
    await h.agent.saveJob(
      job('slow', { schedule: '@every 1s', concurrency: 'forbid', executor_config: { mode: 'hold' } }),
    );
    // Slot 1's ledger write hangs; slot 2 is handed over 300 ms ahead, while slot 1 has not started.
    await h.clock.advance(1_800);
    hold?.();
    expect(h.control.calls).toEqual([]);
    await settle();
    expect(h.control.calls).toEqual(['slow']);
    await h.clock.advance(2_000);
    expect(h.control.calls).toEqual(['slow']);
    expect((await executions(h.store, 'slow')).map((e) => e.status)).toEqual(['running']);
  });

  it('runs no storm after a store stall: late launches superseded or beyond their window count as missed', async () => {
    const store = createMemoryStore();
    const record = store.recordLaunches.bind(store);
    let stalled = false;
    const waiting: (() => void)[] = [];
    store.recordLaunches = async (intents) => {
      if (stalled) await new Promise<void>((resolve) => waiting.push(resolve));
      return record(intents);
    };
    h = await harness({ store });
    await h.agent.saveJob(job('wide', { schedule: '@every 1s', catchup_window: '60s' }));
    await h.agent.saveJob(job('none', { schedule: '@every 1s', catchup_window: '0s' }));
    await h.clock.advance(3_000);
    const before = h.control.calls.length;
    expect(before).toBe(6);
    stalled = true;
    await h.clock.advance(20_000);
    expect(h.control.calls).toHaveLength(before);
    stalled = false;
    for (const release of waiting.splice(0)) release();
    await settle();
    await h.clock.advance(50);
    // 'wide' runs at most its latest missed slot late; 'none' runs none of them more than 1 s late.
    const late = async (name: string) =>
      (await executions(h.store, name)).filter(
        (e) => Date.parse(e.started_at) - Date.parse(e.scheduled_at ?? e.started_at) > 1_000,
      ).length;
    expect(await late('wide')).toBeLessThanOrEqual(1);
    expect(await late('none')).toBe(0);
    // Every stalled slot ran or counts as missed.
    const stalledRuns = (name: string) => h.control.calls.slice(before).filter((n) => n === name).length;
    for (const name of ['wide', 'none']) {
      const missed = (await h.agent.getJob(name))?.missed_count ?? 0;
      expect(missed + stalledRuns(name), name).toBeGreaterThanOrEqual(20);
      expect(missed, name).toBeGreaterThanOrEqual(17);
    }
    // Then both run every second again.
    const resumed = h.control.calls.length;
    await h.clock.advance(3_000);
    expect(h.control.calls.length - resumed).toBeGreaterThanOrEqual(5);
  });

  it('replace cancels the running execution before starting the next', async () => {
    await h.agent.saveJob(job('rep', { concurrency: 'replace', executor_config: { mode: 'hold' } }));
    // The new run's running record is written once it ran START_HOLD_MS without ending.
    await h.clock.advance(20_000 + START_HOLD_MS);
    const runs = await executions(h.store, 'rep');
    expect(runs.map((r) => r.status)).toEqual(['cancelled', 'running']);
  });

  it('retries a failing run and ends the trigger as success when a retry succeeds', async () => {
    h.control.flakyFailures = 2;
    await h.agent.saveJob(
      job('flaky', { retries: 3, retry_backoff: '1s', executor_config: { mode: 'flaky' } }),
    );
    await h.clock.advance(10_000);
    await h.clock.advance(5_000);
    const runs = await executions(h.store, 'flaky');
    expect(runs.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'success'],
    ]);
    expect(new Set(runs.map((r) => r.group)).size).toBe(1);
    expect((await h.agent.getJob('flaky'))?.status).toBe('success');
  });

  it('stops retrying when the job is deleted during the backoff', async () => {
    await h.agent.saveJob(
      job('gone', { retries: 3, retry_backoff: '5s', executor_config: { mode: 'fail' } }),
    );
    await h.clock.advance(10_000);
    expect(h.control.calls).toEqual(['gone']);
    await h.agent.deleteJob('gone');
    await h.clock.advance(30_000);
    expect(h.control.calls).toEqual(['gone']);
  });

  it('forbid counts a trigger waiting for its retry as running', async () => {
    await h.agent.saveJob(
      job('busy', {
        schedule: '@every 1s',
        concurrency: 'forbid',
        retries: 1,
        retry_backoff: '3s',
        executor_config: { mode: 'fail' },
      }),
    );
    await h.clock.advance(1_000); // slot 1 fails, its retry waits 3 s
    await h.clock.advance(2_000); // slots 2 and 3 are skipped
    expect(h.control.calls).toEqual(['busy']);
    const err = await h.agent.runJob('busy').catch((e: unknown) => e);
    expect(isDkronError(err, 'CONFLICT')).toBe(true);
    // Slot 4 is handed over 300 ms ahead, while the retry due at 4 s is still pending: skipped too.
    await h.clock.advance(1_000);
    expect(h.control.calls).toEqual(['busy', 'busy']);
    const attempts = (await executions(h.store, 'busy')).map((r) => r.attempt);
    expect(attempts).toEqual([1, 2]);
    await h.clock.advance(1_000);
    expect(h.control.calls).toEqual(['busy', 'busy', 'busy']);
  });

  it('keeps the @every phase when the job is toggled off and on', async () => {
    await h.agent.saveJob(job('phase', { schedule: '@every 3s' }));
    await h.clock.advance(1_000);
    await h.agent.toggleJob('phase');
    await h.clock.advance(1_000);
    const enabled = await h.agent.toggleJob('phase');
    // Anchored at 12:00:00 on a 3 s grid: the next slot after 12:00:02 is 12:00:03, not 12:00:05.
    expect(enabled.next).toBe('2026-11-21T12:00:03Z');
  });

  it('runs children after the parent succeeded, and deletes an ephemeral job after success', async () => {
    await h.agent.saveJob(job('parent'));
    await h.agent.saveJob(job('child', { schedule: '', parent_job: 'parent' }));
    await h.agent.saveJob(job('grandchild', { schedule: '', parent_job: 'child', ephemeral: true }));
    await h.clock.advance(10_000);
    expect(h.control.calls).toEqual(['parent', 'child', 'grandchild']);
    expect(await h.agent.getJob('grandchild')).toBeUndefined();
    expect((await h.agent.getJob('child'))?.dependent_jobs).toBeNull();
  });

  it('does not run children of a failed parent', async () => {
    await h.agent.saveJob(job('parent', { executor_config: { mode: 'fail' } }));
    await h.agent.saveJob(job('child', { schedule: '', parent_job: 'parent' }));
    await h.clock.advance(10_000);
    expect(h.control.calls).toEqual(['parent']);
  });

  it('honours starts_at and expires_at', async () => {
    await h.agent.saveJob(job('later', { starts_at: '2026-11-21T12:00:25Z' }));
    await h.agent.saveJob(job('gone', { expires_at: '2026-11-21T12:00:15Z' }));
    await h.clock.advance(30_000);
    expect(h.control.calls.filter((c) => c === 'later')).toHaveLength(1);
    expect(h.control.calls.filter((c) => c === 'gone')).toHaveLength(1);
  });

  it('streams live output to followers and ends with the final execution', async () => {
    await h.agent.saveJob(
      job('live', { schedule: '@manually', executor_config: { mode: 'hold', text: 'first' } }),
    );
    await h.agent.runJob('live');
    await settle();
    const [running] = await h.agent.busy();
    expect(running?.output).toBe('first');
    const ac = new AbortController();
    const events: string[] = [];
    const done = (async () => {
      for await (const e of h.agent.followExecution('live', running!.id, ac.signal)) {
        events.push(e.type === 'output' ? `output:${e.chunk}` : `done:${e.execution.status}`);
      }
    })();
    await settle();
    h.control.held.shift()?.(true);
    await done;
    expect(events).toEqual(['output:first', 'done:success']);
  });
});

describe('agent: restarts', () => {
  it('marks executions orphaned by a previous process as lost', async () => {
    const store = createMemoryStore();
    const first = await harness({ store });
    await first.agent.saveJob(job('long', { schedule: '@manually', executor_config: { mode: 'hold' } }));
    await first.agent.runJob('long');
    await settle();
    // The process "dies": its agent is never stopped. A new agent starts on the same store.
    h = await harness({ store });
    const [run] = await executions(store, 'long');
    expect(run?.status).toBe('lost');
    expect(run?.output).toMatch(/execution lost/);
    first.control.held.shift()?.(true);
  });

  it('keeps the @every phase across a restart and runs the latest missed slot once', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const first = await harness({ store, clock });
    await first.agent.saveJob(job('phase', { schedule: '@every 7s', catchup_window: '60s' }));
    await clock.advance(15_000); // slots 12:00:07, 12:00:14
    await first.agent.stop({ timeoutMs: 0 });
    // Down for 5 minutes: slots every 7 s from 12:00:21 to 12:05:15 are missed.
    await clock.advance(300_000);
    h = await harness({ store, clock });
    await clock.advance(0);
    const runs = await executions(store, 'phase');
    const slots = runs.map((r) => r.scheduled_at);
    expect(slots.slice(0, 2)).toEqual(['2026-11-21T12:00:07Z', '2026-11-21T12:00:14Z']);
    // The latest slot before 12:05:15 on the 7 s grid anchored at 12:00:00 is 12:05:15 itself (315 = 45 × 7).
    expect(slots.slice(2)).toEqual(['2026-11-21T12:05:15Z']);
    expect((await store.getJob('phase'))?.missed_count).toBe(42);
    await clock.advance(7_000);
    expect((await executions(store, 'phase')).map((r) => r.scheduled_at).at(-1)).toBe('2026-11-21T12:05:22Z');
  });

  it('runs the latest missed slot after a restart even when the next slot is planned in the same tick', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const first = await harness({ store, clock });
    await first.agent.saveJob(job('tick', { schedule: '@every 2s', catchup_window: '30s' }));
    await clock.advance(5_000); // slots 12:00:02, 12:00:04
    await first.agent.stop({ timeoutMs: 0 });
    // Back at 12:00:11.400: 12:00:10 is 1.4 s late, and 12:00:12 is inside the launch lead already.
    await clock.advance(6_400);
    h = await harness({ store, clock });
    await clock.advance(1_000);
    const slots = (await executions(store, 'tick')).map((r) => r.scheduled_at);
    expect(slots).toEqual([
      '2026-11-21T12:00:02Z',
      '2026-11-21T12:00:04Z',
      '2026-11-21T12:00:10Z',
      '2026-11-21T12:00:12Z',
    ]);
  });

  it('a graceful stop inside the launch lead releases the recorded slot; the next start runs it', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const first = await harness({ store, clock });
    await first.agent.saveJob(job('lead'));
    await clock.advance(9_500); // the 12:00:10 launch is recorded (800 ms ahead), not started
    expect(await store.lastLaunches()).toEqual(new Map([['lead', T0 + 10_000]]));
    await first.agent.stop({ timeoutMs: 0 });
    expect(first.control.calls).toEqual([]);
    expect(await store.lastLaunches()).toEqual(new Map());
    expect((await store.getJob('lead'))?.next).toBe('2026-11-21T12:00:10Z');
    await clock.advance(1_000); // down over the slot
    h = await harness({ store, clock });
    await clock.advance(0);
    expect(h.control.calls).toEqual(['lead']);
    expect((await executions(store, 'lead')).map((r) => r.scheduled_at)).toEqual(['2026-11-21T12:00:10Z']);
    await clock.advance(10_000); // and keeps the job's phase
    expect((await executions(store, 'lead')).map((r) => r.scheduled_at)).toEqual([
      '2026-11-21T12:00:10Z',
      '2026-11-21T12:00:20Z',
    ]);
  });

  it('stop waits for running executions up to the timeout, then cancels them', async () => {
    h = await harness();
    await h.agent.saveJob(job('wait', { schedule: '@manually', executor_config: { mode: 'hold' } }));
    await h.agent.runJob('wait');
    await settle();
    const stopping = h.agent.stop({ timeoutMs: 5_000 });
    await h.clock.advance(5_000);
    await stopping;
    const [run] = await executions(h.store, 'wait');
    expect(run?.status).toBe('cancelled');
  });
});

describe('agent: cancelling an execution', () => {
  it('aborts a running execution, records it as cancelled and does not retry it', async () => {
    h = await harness();
    await h.agent.saveJob(
      job('long', { schedule: '@manually', retries: 2, executor_config: { mode: 'hold' } }),
    );
    await h.agent.runJob('long');
    await settle();
    const [running] = await h.agent.busy();
    expect(running?.status).toBe('running');
    const cancelled = await h.agent.cancelExecution('long', running?.id ?? '');
    expect(cancelled).toMatchObject({ id: running?.id, status: 'cancelled', success: false });
    await h.clock.advance(60_000);
    const runs = await executions(h.store, 'long');
    expect(runs.map((r) => r.status)).toEqual(['cancelled']);
    expect(h.control.calls).toEqual(['long']);
  });

  it('answers NOT_FOUND for an unknown job or execution and CONFLICT for a finished one', async () => {
    h = await harness();
    await h.agent.saveJob(job('quick', { schedule: '@manually' }));
    await h.agent.runJob('quick');
    await settle();
    const [done] = await executions(h.store, 'quick');
    expect(done?.status).toBe('success');
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (isDkronError(e) ? e.code : String(e)),
      );
    expect(await code(h.agent.cancelExecution('nope', done?.id ?? ''))).toBe('NOT_FOUND');
    expect(await code(h.agent.cancelExecution('quick', '1-none'))).toBe('NOT_FOUND');
    expect(await code(h.agent.cancelExecution('quick', done?.id ?? ''))).toBe('CONFLICT');
  });
});

describe('agent: plugin events', () => {
  it('emits job:saved, job:deleted and schedule:missed (late and forbid)', async () => {
    const events: string[] = [];
    const recorder = definePlugin({
      name: 'recorder',
      apiVersion: 1,
      setup(host) {
        host.on('job:saved', ({ job }) => void events.push(`saved:${job.name}`));
        host.on('job:deleted', ({ job }) => void events.push(`deleted:${job.name}`));
        host.on(
          'schedule:missed',
          ({ job, count, reason }) => void events.push(`missed:${job.name}:${reason}:${count}`),
        );
      },
    });
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const first = await harness({ store, clock, plugins: [recorder] });
    await first.agent.saveJob(
      job('slow', { schedule: '@every 1s', concurrency: 'forbid', executor_config: { mode: 'hold' } }),
    );
    await clock.advance(2_000);
    expect(events).toEqual(['saved:slow', 'missed:slow:forbid:1']);
    await first.agent.saveJob(job('tmp'));
    await first.agent.deleteJob('tmp');
    first.control.held.shift()?.(true);
    await first.agent.stop({ timeoutMs: 0 });
    events.length = 0;
    await clock.advance(10_000);
    h = await harness({ store, clock, plugins: [recorder] });
    await clock.advance(0);
    // Slots 3..12 s passed while down; 12 s runs late, the 9 older ones are missed.
    expect(events).toEqual(['missed:slow:late:9']);
  });
});

describe('agent: facade', () => {
  beforeEach(async () => {
    h = await harness();
  });

  it('restores jobs parents first and reports each', async () => {
    const result = await h.agent.restore([job('kid', { parent_job: 'mom', schedule: '' }), job('mom')]);
    expect(result).toEqual(['success create mom', 'success create kid']);
    expect((await h.agent.getJob('mom'))?.dependent_jobs).toEqual(['kid']);
  });

  it('describes the single node as alive leader carrying the server tags', async () => {
    const [member] = await h.agent.members();
    expect(member?.Tags).toMatchObject({ server: 'true', dkron_server: 'true', region: 'global' });
    expect(h.agent.isLeader()).toBe(true);
    expect((await h.agent.health()).healthy).toBe(true);
  });

  it("reports the store's own issues in health, and a store that fails them as unavailable", async () => {
    const store = createMemoryStore();
    let issues: string[] = ['disk full'];
    await h.agent.stop();
    h = await harness({ store: Object.assign(store, { health: async () => issues }) });
    expect(await h.agent.health()).toMatchObject({ healthy: false, issues: ['store: disk full'] });
    issues = [];
    expect(await h.agent.health()).toMatchObject({ healthy: true, issues: [] });
    Object.assign(store, {
      health: async () => {
        throw new DkronError('UNAVAILABLE', 'rqlite unavailable');
      },
    });
    expect(await h.agent.health()).toMatchObject({
      healthy: false,
      issues: ['store unavailable: rqlite unavailable'],
    });
  });

  it('returns the graph of a job', async () => {
    await h.agent.saveJob(job('a'));
    await h.agent.saveJob(job('b', { parent_job: 'a', schedule: '' }));
    await h.agent.saveJob(job('c', { parent_job: 'b', schedule: '' }));
    const graph = await h.agent.jobGraph('b');
    expect(graph.ancestors).toEqual(['a']);
    expect(graph.descendants).toEqual(['c']);
  });
});

export type { Job };

describe('agent: notifications', () => {
  it('notifies the start and the final result of scheduled and manual runs', async () => {
    const events: string[] = [];
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
    const registry = createPluginRegistry({ nodeName: 'node1', logger: silentLogger });
    await registry.register(testExecutorPlugin(control));
    const agent = createAgent({
      nodeName: 'node1',
      version: 'test',
      store,
      registry,
      logger: silentLogger,
      clock,
      notifier: {
        started: async (j, e) => void events.push(`started ${j.name} ${e.attempt}`),
        finished: async (j, e) => void events.push(`finished ${j.name} ${e.status}`),
      },
    });
    h = { agent, store, clock, control };
    await agent.start();
    await agent.saveJob(job('tick', { schedule: '@every 10s' }));
    await clock.advance(10_000);
    expect(events).toEqual(['started tick 1', 'finished tick success']);
    await agent.saveJob(job('manual', { schedule: '@manually', executor_config: { mode: 'fail' } }));
    await agent.runJob('manual');
    await settle();
    expect(events.slice(2)).toEqual(['started manual 1', 'finished manual failed']);
  });
});
