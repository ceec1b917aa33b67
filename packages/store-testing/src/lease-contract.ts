/**
 * The lease part of the Store contract (`LeaseStore`): the scheduling lease with its epoch, the servers'
 * heartbeats and the job versions a leader syncs from. Registered by `describeStoreContract`.
 */

import type { LaunchIntent, LeaseStore, Member, Store } from '@dkron-core/kernel';
import type { Job } from '@dkron-core/plugin-api';
import { expect, it } from 'vitest';

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const TTL = 3_000;

function leasesOf(store: Store): LeaseStore {
  const missing = (
    ['readLease', 'acquireLease', 'renewLease', 'releaseLease', 'heartbeatMember', 'leaveMember'] as const
  ).filter((m) => typeof store[m] !== 'function');
  if (missing.length > 0) throw new Error(`the store lacks ${missing.join(', ')}`);
  return store as LeaseStore;
}

function member(name: string, tags: Record<string, string> = {}): Member {
  return {
    Name: name,
    Addr: '127.0.0.1',
    Port: 8946,
    Tags: { role: 'dkron', server: 'true', ...tags },
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

/** The lease cases, on the store `current()` returns (a fresh one per test). */
export function leaseCases(
  current: () => Store,
  contractJob: (name: string, overrides?: Partial<Job>) => Job,
): void {
  it('has no lease before any server took it', async () => {
    expect(await leasesOf(current()).readLease()).toBeUndefined();
  });

  it('gives the lease to one holder; a second holder gets the live holder back and changes nothing', async () => {
    const store = leasesOf(current());
    const a = await store.acquireLease('s1', TTL, T0);
    expect(a).toEqual({ holder: 's1', epoch: a.epoch, expiresAt: T0 + TTL });
    expect(a.epoch).toBeGreaterThanOrEqual(2);
    expect(await store.acquireLease('s2', TTL, T0 + 1_000)).toEqual(a);
    expect(await store.readLease()).toEqual(a);
  });

  it('passes an expired lease to another holder at a greater epoch', async () => {
    const store = leasesOf(current());
    const a = await store.acquireLease('s1', TTL, T0);
    expect((await store.acquireLease('s2', TTL, T0 + TTL - 1)).holder).toBe('s1');
    const b = await store.acquireLease('s2', TTL, T0 + TTL);
    expect(b).toEqual({ holder: 's2', epoch: a.epoch + 1, expiresAt: T0 + 2 * TTL });
  });

  it('grows the epoch when the holder takes its lease again (a new term)', async () => {
    const store = leasesOf(current());
    const a = await store.acquireLease('s1', TTL, T0);
    const again = await store.acquireLease('s1', TTL, T0 + 10);
    expect(again).toEqual({ holder: 's1', epoch: a.epoch + 1, expiresAt: T0 + 10 + TTL });
  });

  it('renews only for the holder at its epoch, never shortening; a stale holder cannot renew', async () => {
    const store = leasesOf(current());
    const a = await store.acquireLease('s1', TTL, T0);
    expect(await store.renewLease('s1', a.epoch, TTL, T0 + 1_000)).toEqual({
      ...a,
      expiresAt: T0 + 1_000 + TTL,
    });
    expect((await store.renewLease('s1', a.epoch, 10, T0 + 1_001))?.expiresAt).toBe(T0 + 1_000 + TTL);
    expect(await store.renewLease('s2', a.epoch, TTL, T0 + 1_000)).toBeUndefined();
    expect(await store.renewLease('s1', a.epoch - 1, TTL, T0 + 1_000)).toBeUndefined();
    const b = await store.acquireLease('s2', TTL, T0 + 1_000 + TTL);
    expect(await store.renewLease('s1', a.epoch, TTL, T0 + 1_000 + TTL)).toBeUndefined();
    expect(await store.readLease()).toEqual(b);
  });

  it('frees the lease on release by its holder only; the next holder takes it at once', async () => {
    const store = leasesOf(current());
    const a = await store.acquireLease('s1', TTL, T0);
    await store.releaseLease('s2', a.epoch);
    await store.releaseLease('s1', a.epoch - 1);
    expect((await store.acquireLease('s2', TTL, T0 + 1)).holder).toBe('s1');
    await store.releaseLease('s1', a.epoch);
    expect(await store.acquireLease('s2', TTL, T0 + 2)).toEqual({
      holder: 's2',
      epoch: a.epoch + 1,
      expiresAt: T0 + 2 + TTL,
    });
  });

  it('fences launches: after a takeover, a launch at the old epoch writes nothing, nor moves next', async () => {
    const store = leasesOf(current());
    const full = current();
    await full.saveJob(contractJob('a'));
    const a = await store.acquireLease('s1', TTL, T0);
    const slot = (at: number, epoch: number): LaunchIntent => ({
      job: 'a',
      scheduledAt: at,
      group: at * 1_000_000,
      epoch,
      next: at + 60_000,
    });
    expect(await full.recordLaunches([slot(T0, a.epoch)])).toHaveLength(1);
    const b = await store.acquireLease('s2', TTL, T0 + TTL);
    expect(await full.recordLaunches([slot(T0 + 60_000, a.epoch)])).toEqual([]);
    expect(Date.parse((await full.getJob('a'))?.next ?? '')).toBe(T0 + 60_000);
    expect(await full.recordLaunches([slot(T0 + 60_000, b.epoch)])).toHaveLength(1);
    expect((await full.lastLaunches()).get('a')).toBe(T0 + 60_000);
  });

  it('registers members with heartbeats; a leave is kept until the next heartbeat', async () => {
    const store = leasesOf(current());
    await store.heartbeatMember(member('s2', { dc: 'x' }), T0);
    await store.heartbeatMember(member('s1'), T0 + 5);
    expect(await store.listMembers()).toEqual([
      { member: member('s1'), lastSeen: T0 + 5, left: false },
      { member: member('s2', { dc: 'x' }), lastSeen: T0, left: false },
    ]);
    await store.leaveMember('s2', T0 + 10);
    await store.leaveMember('nobody', T0 + 10);
    expect((await store.listMembers()).map((m) => [m.member.Name, m.left, m.lastSeen])).toEqual([
      ['s1', false, T0 + 5],
      ['s2', true, T0 + 10],
    ]);
    await store.heartbeatMember(member('s2'), T0 + 20);
    expect((await store.listMembers())[1]).toEqual({ member: member('s2'), lastSeen: T0 + 20, left: false });
  });

  it("lists every job's version: creates, saves and deletes show", async () => {
    const full = current();
    const store = leasesOf(full);
    expect(await store.jobVersions()).toEqual(new Map());
    await full.saveJob(contractJob('a'));
    await full.saveJob(contractJob('b'));
    await full.saveJob(contractJob('a', { disabled: true }));
    expect(await store.jobVersions()).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    await full.deleteJob('b');
    expect(await store.jobVersions()).toEqual(new Map([['a', 2]]));
  });
}
