import type { Member } from '../../ports/agent.js';
import type { Lease, LeaseStore, RegisteredMember } from '../../ports/store.js';

/** The lease and member rows of the memory store, with the epoch its launch fencing reads. */
export interface MemoryLeases extends Omit<LeaseStore, 'jobVersions'> {
  /** The epoch of the lease (0 before any server took it): launches of older epochs write nothing. */
  epoch(): number;
}

/**
 * The memory store's {@link LeaseStore} rows: what rqlite's `leader` and `members` tables hold, with the
 * same conditions, so that servers sharing one process's store (tests) elect a leader as they would on
 * rqlite.
 */
export function createMemoryLeases(): MemoryLeases {
  // The first epoch is 2, as on rqlite: the single-node cluster launches at epoch 1.
  let lease: Lease | undefined;
  const members = new Map<string, RegisteredMember>();
  const copyMember = (m: Member): Member => ({ ...m, Tags: { ...m.Tags } });

  return {
    epoch: () => lease?.epoch ?? 0,

    async readLease() {
      return lease && { ...lease };
    },

    async acquireLease(holder, ttlMs, now) {
      if (lease === undefined || lease.expiresAt <= now || lease.holder === holder) {
        lease = { holder, epoch: (lease?.epoch ?? 1) + 1, expiresAt: now + ttlMs };
      }
      return { ...lease };
    },

    async renewLease(holder, epoch, ttlMs, now) {
      if (lease === undefined || lease.holder !== holder || lease.epoch !== epoch) return undefined;
      lease = { ...lease, expiresAt: Math.max(lease.expiresAt, now + ttlMs) };
      return { ...lease };
    },

    async releaseLease(holder, epoch) {
      if (lease?.holder === holder && lease.epoch === epoch) lease = { ...lease, expiresAt: 0 };
    },

    async heartbeatMember(member, now) {
      members.set(member.Name, { member: copyMember(member), lastSeen: now, left: false });
    },

    async leaveMember(name, now) {
      const known = members.get(name);
      if (known) members.set(name, { ...known, lastSeen: now, left: true });
    },

    async listMembers() {
      return [...members.values()]
        .sort((a, b) => (a.member.Name < b.member.Name ? -1 : 1))
        .map((m) => ({ ...m, member: copyMember(m.member) }));
    },
  };
}
