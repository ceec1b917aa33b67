import { isDkronError, type Job } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../ports/store.js';
import { MAX_UPDATE_ATTEMPTS } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { type Agent, createAgent } from './agent.js';
import { createFakeClock, silentLogger, type TestExecutorControl, testExecutorPlugin } from './test-kit.js';

const T0 = Date.parse('2026-11-21T12:00:00Z');

/**
 * The memory store, with `interleave` run after each `readJob` resolves and before its caller goes on:
 * the window in which a concurrent request writes the job (the race of issue 9 item 6, made exact).
 */
function racingStore(): { store: Store; interleave: Array<() => Promise<void>>; reads: { n: number } } {
  const store = createMemoryStore();
  const interleave: Array<() => Promise<void>> = [];
  const reads = { n: 0 };
  const readJob = store.readJob.bind(store);
  store.readJob = async (name) => {
    const read = await readJob(name);
    reads.n++;
    await interleave.shift()?.();
    return read;
  };
  return { store, interleave, reads };
}

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.stop({ timeoutMs: 0 });
  agent = undefined;
});

async function start(store: Store): Promise<Agent> {
  const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
  const registry = createPluginRegistry({ nodeName: 'node1', logger: silentLogger });
  await registry.register(testExecutorPlugin(control));
  agent = createAgent({
    nodeName: 'node1',
    version: 'test',
    store,
    registry,
    logger: silentLogger,
    clock: createFakeClock(T0),
  });
  await agent.start();
  return agent;
}

const job = (name: string, extra: Partial<Job> = {}) => ({
  name,
  schedule: '@manually',
  executor: 'test',
  executor_config: { mode: 'ok' },
  ...extra,
});

describe('agent: read-modify-writes are conditional', () => {
  it('a toggle racing an update keeps the update (the toggle is redone on the fresh job)', async () => {
    const { store, interleave, reads } = racingStore();
    const a = await start(store);
    await a.saveJob(job('race', { displayname: 'v-start' }));
    interleave.push(async () => {
      await a.saveJob(job('race', { displayname: 'v-1' }));
    });
    const toggled = await a.toggleJob('race');
    expect(reads.n).toBe(2);
    expect(toggled).toMatchObject({ displayname: 'v-1', disabled: true });
    expect(await a.getJob('race')).toMatchObject({ displayname: 'v-1', disabled: true });
  });

  it('two toggles racing each other flip the job twice', async () => {
    const { store, interleave } = racingStore();
    const a = await start(store);
    await a.saveJob(job('flip'));
    let inner: Promise<Job> | undefined;
    interleave.push(async () => {
      inner = a.toggleJob('flip');
      await inner;
    });
    await a.toggleJob('flip');
    await inner;
    expect((await a.getJob('flip'))?.disabled).toBe(false);
  });

  it('a save based on the stored job is redone on the fresh job when another write came first', async () => {
    const { store, interleave } = racingStore();
    const a = await start(store);
    await a.saveJob(job('based', { displayname: 'one', owner: 'first' }));
    interleave.push(async () => {
      await a.saveJob(job('based', { displayname: 'two', owner: 'second' }));
    });
    const seen: (string | undefined)[] = [];
    const saved = await a.saveJob(job('based'), {
      from: (current) => {
        seen.push(current?.owner);
        return { ...job('based'), owner: current?.owner, displayname: 'three' };
      },
    });
    expect(seen).toEqual(['first', 'second']);
    expect(saved).toMatchObject({ displayname: 'three', owner: 'second' });
  });

  it('a restore based on the stored jobs is redone per job when another write came first', async () => {
    const { store, interleave } = racingStore();
    const a = await start(store);
    await a.saveJob(job('kept', { owner: 'first' }));
    interleave.push(async () => {
      await a.saveJob(job('kept', { owner: 'second' }));
    });
    const seen: (string | undefined)[] = [];
    const result = await a.restore([job('kept', { displayname: 'restored' }), job('new-one')], {
      from: (posted, current) => {
        seen.push(current?.owner);
        return current ? { ...(posted as object), owner: current.owner } : posted;
      },
    });
    expect(result).toEqual(['success create kept', 'success create new-one']);
    expect(seen).toEqual(['first', 'second', undefined]);
    expect(await a.getJob('kept')).toMatchObject({ displayname: 'restored', owner: 'second' });
  });

  it(`gives up with CONFLICT after ${MAX_UPDATE_ATTEMPTS} lost races`, async () => {
    const { store, interleave, reads } = racingStore();
    const a = await start(store);
    await a.saveJob(job('busy'));
    for (let i = 0; i < MAX_UPDATE_ATTEMPTS; i++) {
      interleave.push(async () => {
        await a.saveJob(job('busy', { displayname: `w-${i}` }));
      });
    }
    const error = await a.toggleJob('busy').catch((e: unknown) => e);
    expect(isDkronError(error, 'CONFLICT')).toBe(true);
    expect((error as Error).message).toBe(
      `job busy kept changing while it was being updated (${MAX_UPDATE_ATTEMPTS} attempts); try again`,
    );
    expect(reads.n).toBe(MAX_UPDATE_ATTEMPTS);
    expect(await a.getJob('busy')).toMatchObject({
      displayname: `w-${MAX_UPDATE_ATTEMPTS - 1}`,
      disabled: false,
    });
  });

  it('a toggle of a job deleted meanwhile is NOT_FOUND, and does not bring it back', async () => {
    const { store, interleave } = racingStore();
    const a = await start(store);
    await a.saveJob(job('gone'));
    interleave.push(async () => {
      await a.deleteJob('gone');
    });
    const error = await a.toggleJob('gone').catch((e: unknown) => e);
    expect(isDkronError(error, 'NOT_FOUND')).toBe(true);
    expect(await a.getJob('gone')).toBeUndefined();
  });
});
