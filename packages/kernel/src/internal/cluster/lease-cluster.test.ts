import { afterEach, describe, expect, it } from 'vitest';
import type { LeadershipChange } from '../../ports/cluster.js';
import type { Store } from '../../ports/store.js';
import { createFakeClock, type FakeClock, silentLogger } from '../agent/test-kit.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createLeaseCluster, type LeaseCluster } from './lease-cluster.js';

const TTL = 3_000;
const T0 = Date.UTC(2026, 0, 1);

type Mode = 'ok' | 'hang' | 'fail';

/** The shared store as one server reaches it: `mode` cuts it off (calls hang, or fail). */
function reachable(store: Store): { store: Store; set(mode: Mode): void } {
  let mode: Mode = 'ok';
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (mode === 'hang') return new Promise(() => {});
        if (mode === 'fail') return Promise.reject(new Error('store unreachable'));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, set: (m) => (mode = m) };
}

interface Node {
  readonly cluster: LeaseCluster;
  readonly link: ReturnType<typeof reachable>;
  readonly changes: { at: number; change: LeadershipChange }[];
}

let clock: FakeClock;
let nodes: Node[] = [];

function server(shared: Store, name: string, extra: Partial<Parameters<typeof createLeaseCluster>[0]> = {}) {
  const link = reachable(shared);
  const cluster = createLeaseCluster({
    store: link.store,
    nodeName: name,
    version: '1.0.0',
    server: true,
    logger: silentLogger,
    clock,
    ttlMs: TTL,
    ...extra,
  });
  const node: Node = { cluster, link, changes: [] };
  cluster.onLeadershipChange((change) => node.changes.push({ at: clock.now(), change }));
  nodes.push(node);
  return node;
}

function leaders(): string[] {
  return nodes.filter((n) => n.cluster.isLeader()).map((n) => n.cluster.self().Name);
}

/** Advances in steps of `step` ms, checking at every step that at most one server leads. */
async function run(ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await clock.advance(step);
    expect(leaders().length).toBeLessThanOrEqual(1);
  }
}

function three(extra: Partial<Parameters<typeof createLeaseCluster>[0]> = {}) {
  const shared = createMemoryStore();
  const made = ['s1', 's2', 's3'].map((name) => server(shared, name, extra));
  return { shared, made };
}

afterEach(async () => {
  for (const n of nodes) n.link.set('ok');
  await Promise.all(nodes.map((n) => n.cluster.stop()));
  nodes = [];
});

describe('createLeaseCluster', () => {
  it('elects one leader among three servers; every server lists all three and names the same leader', async () => {
    clock = createFakeClock(T0);
    const { made } = three();
    for (const n of made) n.cluster.start();
    await run(2 * TTL);
    expect(leaders()).toHaveLength(1);
    const leader = leaders()[0];
    for (const n of made) {
      expect(n.cluster.members().map((m) => [m.Name, m.Status])).toEqual([
        ['s1', 1],
        ['s2', 1],
        ['s3', 1],
      ]);
      expect(n.cluster.leader()?.Name).toBe(leader);
      expect(n.cluster.members().find((m) => m.Name === 's2')?.Tags.server).toBe('true');
    }
    const lead = made.find((n) => n.cluster.isLeader())!;
    expect(lead.changes.map((c) => c.change)).toEqual([{ leader: true, epoch: lead.cluster.epoch() }]);
    expect(lead.cluster.epoch()).toBeGreaterThanOrEqual(2);
  });

  it('with --bootstrap-expect 3, elects nobody until the third server registered', async () => {
    clock = createFakeClock(T0);
    const { made } = three({ bootstrapExpect: 3 });
    made[0]!.cluster.start();
    made[1]!.cluster.start();
    await run(3 * TTL);
    expect(leaders()).toEqual([]);
    expect(made[0]!.cluster.notReady()).toMatch(
      /waiting for 3 servers .*--bootstrap-expect 3.*2 registered: s1, s2/,
    );
    made[2]!.cluster.start();
    await run(2 * TTL);
    expect(leaders()).toHaveLength(1);
    for (const n of made) expect(n.cluster.notReady()).toBeUndefined();
  });

  it('replaces a dead leader about one lease time after its last renew; the dead one turns failed', async () => {
    clock = createFakeClock(T0);
    const { made } = three();
    for (const n of made) n.cluster.start();
    await run(2 * TTL);
    const dead = made.find((n) => n.cluster.isLeader())!;
    const epoch = dead.cluster.epoch();
    dead.link.set('hang');
    const killedAt = clock.now();
    await run(TTL + TTL / 3 + 200);
    const next = made.find((n) => n !== dead && n.cluster.isLeader());
    expect(next).toBeDefined();
    const took = next!.changes.find((c) => c.change.leader)!;
    expect(took.at - killedAt).toBeLessThanOrEqual(TTL + 100);
    expect(took.change.epoch).toBeGreaterThan(epoch);
    await run(3 * TTL + TTL);
    expect(next!.cluster.members().find((m) => m.Name === dead.cluster.self().Name)?.Status).toBe(4);
  });

  it('a cut-off leader steps down on its own clock before another server can take the lease', async () => {
    clock = createFakeClock(T0);
    const { made } = three();
    for (const n of made) n.cluster.start();
    await run(2 * TTL);
    const cut = made.find((n) => n.cluster.isLeader())!;
    cut.link.set('fail');
    await run(2 * TTL);
    const down = cut.changes.find((c) => !c.change.leader);
    const next = made.find((n) => n !== cut && n.cluster.isLeader())!;
    const up = next.changes.find((c) => c.change.leader)!;
    expect(down).toBeDefined();
    expect(down!.at).toBeLessThanOrEqual(up.at);
    // Back on the network, it is a follower of the new leader.
    cut.link.set('ok');
    await run(2 * TTL);
    expect(leaders()).toEqual([next.cluster.self().Name]);
    expect(cut.cluster.leader()?.Name).toBe(next.cluster.self().Name);
  });

  it('a frozen leader (its store calls stall) is not leader past its lease, even before its timer runs', async () => {
    clock = createFakeClock(T0);
    const { made } = three();
    for (const n of made) n.cluster.start();
    await run(2 * TTL);
    const frozen = made.find((n) => n.cluster.isLeader())!;
    frozen.link.set('hang');
    await run(TTL + 100, 10);
    expect(frozen.cluster.isLeader()).toBe(false);
    expect(frozen.changes.at(-1)?.change.leader).toBe(false);
  });

  it('steps down when a renew is refused: another server holds the lease now', async () => {
    clock = createFakeClock(T0);
    const shared = createMemoryStore();
    const one = server(shared, 's1');
    one.cluster.start();
    await run(TTL);
    expect(one.cluster.isLeader()).toBe(true);
    const epoch = one.cluster.epoch();
    await shared.releaseLease!('s1', epoch);
    const other = await shared.acquireLease!('intruder', TTL, clock.now());
    await run(TTL / 3 + 50);
    expect(one.cluster.isLeader()).toBe(false);
    expect(one.changes.at(-1)?.change).toEqual({ leader: false, epoch });
    expect(other.epoch).toBeGreaterThan(epoch);
  });

  it('a graceful stop releases the lease (another leads within a round) and shows the server as left', async () => {
    clock = createFakeClock(T0);
    const { made } = three();
    for (const n of made) n.cluster.start();
    await run(2 * TTL);
    const leaving = made.find((n) => n.cluster.isLeader())!;
    await leaving.cluster.stop();
    expect(leaving.changes.at(-1)?.change.leader).toBe(false);
    await run(TTL / 3 + 100);
    const rest = made.filter((n) => n !== leaving);
    expect(rest.filter((n) => n.cluster.isLeader())).toHaveLength(1);
    expect(rest[0]!.cluster.members().find((m) => m.Name === leaving.cluster.self().Name)?.Status).toBe(3);
  });

  it('lists extra members and run targets given by another membership (agents)', async () => {
    clock = createFakeClock(T0);
    const shared = createMemoryStore();
    const agent = { ...createLeaseClusterSelf('a1'), Tags: { role: 'web' } };
    const one = server(shared, 's1', {
      extraMembers: () => [agent],
      extraCandidates: () => [{ name: 'a1', tags: { role: 'web' }, alive: true }],
    });
    one.cluster.start();
    await run(TTL);
    expect(one.cluster.members().map((m) => m.Name)).toEqual(['a1', 's1']);
    expect(one.cluster.candidates().map((c) => c.name)).toEqual(['s1', 'a1']);
  });

  it('refuses a store without the lease methods, naming them', () => {
    clock = createFakeClock(T0);
    const { acquireLease: _a, ...rest } = createMemoryStore();
    expect(() =>
      createLeaseCluster({
        store: rest as Store,
        nodeName: 's1',
        version: '1',
        server: true,
        logger: silentLogger,
        clock,
      }),
    ).toThrow('the store cannot hold a leader lease (it lacks acquireLease)');
  });
});

function createLeaseClusterSelf(name: string) {
  return {
    Name: name,
    Addr: '127.0.0.2',
    Port: 8946,
    Tags: {},
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}
