import type { Lease, LeaseStore, Member, RegisteredMember } from '@dkron-core/kernel';
import type { RqliteClient, SqlRow } from '../rqlite-client.js';

/*
 * The scheduling lease and the servers' heartbeats (DESIGN.md §4) on the `leader` and `members` tables of
 * schema v1. Each call is one conditional statement (plus a read of the row in the same transaction), all
 * values bound as parameters. Launch fencing reads the same `leader` row (launch-sql.ts): once an epoch is
 * granted, launches of older epochs write nothing.
 */

/** The one lease row's key. */
const LEASE = 'scheduler';

const READ = 'SELECT holder, epoch, expires_at FROM leader WHERE name = ?';

/**
 * ?1 name, ?2 holder, ?3 expires at, ?4 now. Taken when free (expired at `now`) or already this holder's;
 * every take grows the epoch. The first epoch is 2: the single-node cluster launches at epoch 1, so a
 * server left running without the lease on a store the lease servers use is fenced off at once.
 */
const ACQUIRE = `INSERT INTO leader (name, holder, epoch, expires_at) VALUES (?1, ?2, 2, ?3)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = leader.epoch + 1, expires_at = excluded.expires_at
WHERE leader.expires_at <= ?4 OR leader.holder = excluded.holder`;

/** ?1 name, ?2 holder, ?3 epoch, ?4 expires at. */
const RENEW = `UPDATE leader SET expires_at = max(expires_at, ?4) WHERE name = ?1 AND holder = ?2 AND epoch = ?3`;

/** ?1 name, ?2 holder, ?3 epoch: expired at once, the epoch kept (the next take grows it). */
const RELEASE = 'UPDATE leader SET expires_at = 0 WHERE name = ?1 AND holder = ?2 AND epoch = ?3';

const HEARTBEAT = `INSERT INTO members (name, addr, tags, status, server, last_seen, doc) VALUES (?, ?, ?, 'alive', ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET addr = excluded.addr, tags = excluded.tags, status = 'alive',
  server = excluded.server, last_seen = excluded.last_seen, doc = excluded.doc`;

const LEAVE = `UPDATE members SET status = 'left', last_seen = ? WHERE name = ?`;

function leaseFromRow(row: SqlRow | undefined): Lease | undefined {
  if (row === undefined) return undefined;
  return { holder: String(row.holder), epoch: Number(row.epoch), expiresAt: Number(row.expires_at) };
}

function memberFromRow(row: SqlRow): RegisteredMember | undefined {
  try {
    const member = JSON.parse(String(row.doc)) as Member;
    if (typeof member?.Name !== 'string') return undefined;
    return { member, lastSeen: Number(row.last_seen), left: row.status === 'left' };
  } catch {
    return undefined;
  }
}

/** The {@link LeaseStore} of an rqlite store, on its client. */
export function rqliteLeases(client: RqliteClient): LeaseStore {
  /** The write, then the row read back in the same transaction (so a retried write reads its own outcome). */
  async function writeAndRead(statement: readonly [string, ...(string | number)[]]) {
    const [write, read] = await client.request([statement, [READ, LEASE]], { transaction: true });
    return { changed: (write?.rowsAffected ?? 0) > 0, lease: leaseFromRow(read?.rows[0]) };
  }

  return {
    async readLease() {
      const [result] = await client.query([[READ, LEASE]]);
      return leaseFromRow(result?.rows[0]);
    },

    async acquireLease(holder, ttlMs, now) {
      const { lease } = await writeAndRead([ACQUIRE, LEASE, holder, now + ttlMs, now]);
      if (lease === undefined) throw new Error('rqlite: the lease row was not written');
      return lease;
    },

    async renewLease(holder, epoch, ttlMs, now) {
      const { changed, lease } = await writeAndRead([RENEW, LEASE, holder, epoch, now + ttlMs]);
      return changed && lease?.holder === holder && lease.epoch === epoch ? lease : undefined;
    },

    async releaseLease(holder, epoch) {
      await client.execute([[RELEASE, LEASE, holder, epoch]]);
    },

    async heartbeatMember(member, now) {
      const server = member.Tags.server === 'true' ? 1 : 0;
      await client.execute([
        [
          HEARTBEAT,
          member.Name,
          `${member.Addr}:${member.Port}`,
          JSON.stringify(member.Tags),
          server,
          now,
          JSON.stringify(member),
        ],
      ]);
    },

    async leaveMember(name, now) {
      await client.execute([[LEAVE, now, name]]);
    },

    async listMembers() {
      const [result] = await client.query([['SELECT status, last_seen, doc FROM members ORDER BY name']]);
      return (result?.rows ?? []).map(memberFromRow).filter((m) => m !== undefined);
    },

    async jobVersions() {
      const [result] = await client.query([['SELECT name, version FROM jobs']]);
      return new Map((result?.rows ?? []).map((r) => [String(r.name), Number(r.version)]));
    },
  };
}
