import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../ports/clock.js';
import { type Agent, createAgent } from '../agent/agent.js';
import {
  createFakeClock,
  type FakeClock,
  settle,
  silentLogger,
  type TestExecutorControl,
  testExecutorPlugin,
} from '../agent/test-kit.js';
import { createMemoryStore, type MemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { createLeaseCluster, type LeaseCluster } from './lease-cluster.js';

const TTL = 3_000;

interface Server {
  readonly agent: Agent;
  readonly cluster: LeaseCluster;
  readonly control: TestExecutorControl;
}

let running: Server[] = [];

async function server(store: MemoryStore, clock: FakeClock, name: string): Promise<Server> {
  const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
  const registry = createPluginRegistry({ nodeName: name, logger: silentLogger });
  await registry.register(testExecutorPlugin(control));
  const cluster = createLeaseCluster({
    store,
    nodeName: name,
    server: true,
    version: '1.0.0',
    logger: silentLogger,
    clock,
    ttlMs: TTL,
  });
  const agent = createAgent({
    nodeName: name,
    version: '1.0.0',
    store,
    registry,
    logger: silentLogger,
    clock,
    cluster,
    jobSyncMs: 1_000,
    launchLeadMs: 0,
  });
  await agent.start();
  cluster.start();
  const made = { agent, cluster, control };
  running.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(running.map((s) => s.cluster.stop()));
  await Promise.all(running.map((s) => s.agent.stop({ timeoutMs: 0 })));
  running = [];
});

const job = (name: string) => ({
  name,
  schedule: '@every 1s',
  executor: 'test',
  executor_config: { mode: 'ok' },
});

describe('servers on one store with the lease cluster', () => {
  it('schedules a job saved, toggled and deleted through a follower on the leader only', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore();
    const servers = [await server(store, clock, 's1'), await server(store, clock, 's2')];
    await clock.advance(1_000);
    const leader = servers.find((s) => s.cluster.isLeader())!;
    const follower = servers.find((s) => s !== leader)!;
    expect(leader).toBeDefined();
    expect(follower.agent.isLeader()).toBe(false);
    expect((await follower.agent.leader())?.Name).toBe(leader.cluster.self().Name);

    await follower.agent.saveJob(job('synced'));
    await clock.advance(4_000);
    const ran = leader.control.calls.filter((c) => c === 'synced').length;
    expect(ran).toBeGreaterThanOrEqual(2);
    expect(follower.control.calls).toEqual([]);

    await follower.agent.toggleJob('synced');
    await clock.advance(1_500);
    const whenDisabled = leader.control.calls.length;
    await clock.advance(3_000);
    expect(leader.control.calls.length).toBe(whenDisabled);

    await follower.agent.toggleJob('synced');
    await clock.advance(3_000);
    expect(leader.control.calls.length).toBeGreaterThan(whenDisabled);

    await follower.agent.deleteJob('synced');
    await clock.advance(1_500);
    const whenDeleted = leader.control.calls.length;
    await clock.advance(3_000);
    expect(leader.control.calls.length).toBe(whenDeleted);
    expect(follower.control.calls).toEqual([]);
  });

  it('when the leader gives the lease up, the next one schedules the jobs and the old one starts nothing', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore();
    const servers = [await server(store, clock, 's1'), await server(store, clock, 's2')];
    await clock.advance(1_000);
    const first = servers.find((s) => s.cluster.isLeader())!;
    const second = servers.find((s) => s !== first)!;
    await first.agent.saveJob(job('every'));
    await clock.advance(2_000);
    expect(first.control.calls.length).toBeGreaterThan(0);
    // The first leader gives the lease up as a graceful stop does; the second takes over in a round.
    await first.cluster.stop();
    const before = first.control.calls.length;
    await clock.advance(3_000);
    expect(second.cluster.isLeader()).toBe(true);
    expect(second.control.calls.length).toBeGreaterThanOrEqual(2);
    expect(first.control.calls.length).toBe(before);
  });
});

/**
 * Time shared by several simulated processes, each with its own timers. A frozen process (SIGSTOP) fires
 * none; when resumed, its due timers fire late, with the clock already at the present, as a process
 * woken by SIGCONT sees it.
 */
function createWorld(start: number) {
  let now = start;
  let seq = 0;
  const timers: { at: number; seq: number; proc: string; fn: () => void }[] = [];
  const frozen = new Set<string>();
  const fire = async (due: (t: (typeof timers)[number]) => boolean) => {
    for (;;) {
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = timers.find(due);
      if (!next) return;
      timers.splice(timers.indexOf(next), 1);
      now = Math.max(now, next.at);
      next.fn();
      await settle();
    }
  };
  return {
    clock(proc: string): Clock {
      return {
        now: () => now,
        setTimeout(fn, ms) {
          const timer = { at: now + Math.max(ms, 0), seq: ++seq, proc, fn };
          timers.push(timer);
          return {
            cancel: () => timers.includes(timer) && timers.splice(timers.indexOf(timer), 1) && undefined,
          };
        },
      };
    },
    async advance(ms: number) {
      const target = now + ms;
      await settle();
      await fire((t) => t.at <= target && !frozen.has(t.proc));
      now = target;
      await settle();
    },
    freeze: (proc: string) => frozen.add(proc),
    async resume(proc: string) {
      frozen.delete(proc);
      await fire((t) => t.at <= now && t.proc === proc);
    },
    now: () => now,
  };
}

describe('a leader frozen past its lease', () => {
  it('starts none of the runs it recorded ahead before the freeze when it resumes; no slot runs twice', async () => {
    const world = createWorld(Date.UTC(2026, 0, 1));
    const store = createMemoryStore();
    const made: Server[] = [];
    for (const name of ['s1', 's2']) {
      const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
      const registry = createPluginRegistry({ nodeName: name, logger: silentLogger });
      await registry.register(testExecutorPlugin(control));
      const clock = world.clock(name);
      const cluster = createLeaseCluster({
        store,
        nodeName: name,
        server: true,
        version: '1',
        logger: silentLogger,
        clock,
        // Renews every 1.1 s, so the resumed process's slot timer comes due before its lease round does:
        // the term itself must see that the leadership is over.
        ttlMs: 3_300,
      });
      // The default launch lead (800 ms): a slot's launch is recorded well before it starts.
      const agent = createAgent({
        nodeName: name,
        version: '1',
        store,
        registry,
        logger: silentLogger,
        clock,
        cluster,
        jobSyncMs: 1_000,
      });
      await agent.start();
      cluster.start();
      made.push({ agent, cluster, control });
    }
    running.push(...made);
    await world.advance(1_000);
    const leader = made.find((s) => s.cluster.isLeader())!;
    const other = made.find((s) => s !== leader)!;
    await leader.agent.saveJob(job('every'));
    // Frozen 300 ms before a slot: its launch is recorded (lead 800 ms), its start not made yet.
    await world.advance(3_000 - (world.now() % 1_000) - 300);
    const before = leader.control.calls.length;
    expect(before).toBeGreaterThan(0);
    world.freeze(leader.cluster.self().Name);
    await world.advance(6_000);
    expect(other.cluster.isLeader()).toBe(true);
    expect(other.control.calls.length).toBeGreaterThan(0);
    await world.resume(leader.cluster.self().Name);
    await world.advance(2_000);
    expect(leader.control.calls.length).toBe(before);
    expect(leader.cluster.isLeader()).toBe(false);
    const { executions } = await store.listExecutions('every', {});
    const slots = executions.map((e) => e.scheduled_at);
    expect(new Set(slots).size).toBe(slots.length);
  });
});
