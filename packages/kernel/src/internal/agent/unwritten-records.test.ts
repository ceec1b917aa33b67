import { DkronError } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionJournal, UnwrittenExecution } from '../../ports/execution-journal.js';
import type { Store } from '../../ports/store.js';
import { createMemoryStore } from '../memory-store/index.js';
import type { Agent } from './agent.js';
import { createFakeClock, executions, type FakeClock, harness, job, settle, T0 } from './test-kit.js';

/** A memory store whose execution writes fail while `down` is set (as rqlite does when it stalls). */
function flakyStore(): { store: Store; faults: { down: boolean; refused: number } } {
  const store = createMemoryStore();
  const faults = { down: false, refused: 0 };
  for (const method of ['startExecutions', 'finishExecutions', 'recordFinishedExecutions'] as const) {
    const original = store[method]?.bind(store) as (...args: unknown[]) => Promise<void>;
    (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      if (faults.down) {
        faults.refused++;
        throw new DkronError('UNAVAILABLE', 'store not open');
      }
      return original(...args);
    };
  }
  return { store, faults };
}

function memoryJournal(): ExecutionJournal & { records: UnwrittenExecution[] } {
  const journal = {
    records: [] as UnwrittenExecution[],
    load: async () => structuredClone(journal.records),
    save: async (records: readonly UnwrittenExecution[]) => {
      journal.records = structuredClone([...records]);
    },
  };
  return journal;
}

const agents: Agent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop({ timeoutMs: 0 });
});

async function agentOn(store: Store, clock: FakeClock, journal?: ExecutionJournal) {
  const h = await harness({ store, clock, ...(journal ? { journal } : {}) });
  agents.push(h.agent);
  return h;
}

describe('agent: records the store refused', () => {
  it('retries a refused completion until the store takes it, and counts it once', async () => {
    const { store, faults } = flakyStore();
    const clock = createFakeClock(T0);
    const { agent, control } = await agentOn(store, clock);
    await agent.saveJob(job('a', { schedule: '@every 1h', executor_config: { mode: 'hold' } }));
    await agent.runJob('a');
    await settle();
    expect((await executions(store, 'a')).map((e) => e.status)).toEqual(['running']);
    faults.down = true;
    control.held.shift()?.(true);
    await settle();
    await clock.advance(2_000);
    expect(faults.refused).toBeGreaterThan(1);
    expect((await executions(store, 'a')).map((e) => e.status)).toEqual(['running']);
    faults.down = false;
    await clock.advance(8_000);
    expect((await executions(store, 'a')).map((e) => e.status)).toEqual(['success']);
    expect(await agent.getJob('a')).toMatchObject({ success_count: 1, error_count: 0 });
  });

  it('records a scheduled run whose running record and completion were both refused', async () => {
    const { store, faults } = flakyStore();
    const clock = createFakeClock(T0);
    const { agent, control } = await agentOn(store, clock);
    await agent.saveJob(job('b', { schedule: '@every 1m' }));
    faults.down = true;
    await clock.advance(60_000);
    expect(control.calls).toEqual(['b']);
    await settle();
    expect(await executions(store, 'b')).toEqual([]);
    faults.down = false;
    await clock.advance(30_000);
    const [run] = await executions(store, 'b');
    expect(run).toMatchObject({ status: 'success', scheduled_at: '2026-11-21T12:01:00Z' });
    expect(await agent.getJob('b')).toMatchObject({ success_count: 1 });
  });

  it('keeps what the store refused in the journal across a restart, so the run is not lost', async () => {
    const { store, faults } = flakyStore();
    const clock = createFakeClock(T0);
    const journal = memoryJournal();
    const first = await agentOn(store, clock, journal);
    await first.agent.saveJob(job('c', { schedule: '@every 1h', executor_config: { mode: 'hold' } }));
    await first.agent.runJob('c');
    await settle();
    faults.down = true;
    first.control.held.shift()?.(true);
    await settle();
    await first.agent.stop({ timeoutMs: 0 });
    expect(journal.records).toHaveLength(1);
    expect(journal.records[0]?.completion).toMatchObject({ jobName: 'c', status: 'success' });
    expect((await executions(store, 'c')).map((e) => e.status)).toEqual(['running']);

    faults.down = false;
    const second = await agentOn(store, clock, journal);
    expect((await executions(store, 'c')).map((e) => e.status)).toEqual(['success']);
    expect(await second.agent.getJob('c')).toMatchObject({ success_count: 1, error_count: 0 });
    expect(journal.records).toEqual([]);
  });
});

describe('agent: launches whose write had an unknown outcome', () => {
  it('counts the slot as missed and takes its row back once the store answers, restoring next', async () => {
    const store = createMemoryStore();
    const record = store.recordLaunches.bind(store);
    const release = store.releaseLaunches.bind(store);
    const faults = { landThenFail: false, down: false };
    // As a timeout after rqlite applied the write: the row lands, the caller gets an error.
    store.recordLaunches = async (intents) => {
      if (!faults.landThenFail) return record(intents);
      await record(intents);
      throw new DkronError('UNAVAILABLE', 'rqlite unavailable after 10000 ms');
    };
    store.releaseLaunches = async (slots) => {
      if (faults.down) throw new DkronError('UNAVAILABLE', 'store not open');
      return release(slots);
    };
    const clock = createFakeClock(T0);
    const { agent, control } = await agentOn(store, clock);
    await agent.saveJob(job('d', { schedule: '@every 1m' }));
    faults.landThenFail = true;
    faults.down = true;
    await clock.advance(60_000);
    faults.landThenFail = false;
    expect(control.calls).toEqual([]);
    expect((await store.lastLaunches()).get('d')).toBe(T0 + 60_000);
    await clock.advance(2_000);
    expect((await store.lastLaunches()).get('d')).toBe(T0 + 60_000);
    faults.down = false;
    await clock.advance(5_000);
    expect((await store.lastLaunches()).get('d')).toBeUndefined();
    expect(await agent.getJob('d')).toMatchObject({ missed_count: 1, next: '2026-11-21T12:02:00Z' });
    await clock.advance(60_000);
    expect(control.calls).toEqual(['d']);
  });
});
