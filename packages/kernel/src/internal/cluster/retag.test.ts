import { afterEach, describe, expect, it } from 'vitest';
import { createFakeClock, silentLogger } from '../agent/test-kit.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createLeaseCluster, type LeaseCluster } from './lease-cluster.js';
import { createLocalCluster } from './local-cluster.js';

const T0 = Date.UTC(2026, 0, 1);
const started: LeaseCluster[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop()));
});

describe('retag (SIGHUP)', () => {
  it("replaces a single node's user tags and keeps the reserved ones", () => {
    const cluster = createLocalCluster({
      nodeName: 'n1',
      server: true,
      version: '1.0.0',
      tags: { tier: 'old' },
    });
    cluster.retag?.({ tier: 'new', zone: 'b' });
    expect(cluster.self().Tags).toMatchObject({
      tier: 'new',
      zone: 'b',
      role: 'dkron',
      server: 'true',
      dc: 'dc1',
    });
    expect(cluster.members()[0]?.Tags.tier).toBe('new');
    expect(cluster.candidates()).toEqual([{ name: 'n1', tags: cluster.self().Tags, alive: true }]);
  });

  it('shows the new tags of a server at once and registers them in the store at the next round', async () => {
    const clock = createFakeClock(T0);
    const shared = createMemoryStore();
    const make = (name: string, tags: Record<string, string>) => {
      const c = createLeaseCluster({
        store: shared,
        nodeName: name,
        version: '1.0.0',
        server: true,
        tags,
        logger: silentLogger,
        clock,
        ttlMs: 300,
      });
      started.push(c);
      c.start();
      return c;
    };
    const s1 = make('s1', { zone: 'a' });
    const s2 = make('s2', {});
    await clock.advance(200);
    expect(s2.members().find((m) => m.Name === 's1')?.Tags.zone).toBe('a');

    s1.retag?.({ zone: 'b' });
    expect(s1.self().Tags.zone).toBe('b');
    expect(s1.candidates()[0]).toMatchObject({ name: 's1', tags: { zone: 'b', server: 'true' } });
    await clock.advance(200);
    expect(s2.members().find((m) => m.Name === 's1')?.Tags).toMatchObject({ zone: 'b', role: 'dkron' });
  });
});
