import { DkronError, type Logger } from '@dkron-core/plugin-api';
import type { Member } from '../../ports/agent.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Cluster, ClusterCandidate } from '../../ports/cluster.js';
import type { Lease, LeaseStore, Store } from '../../ports/store.js';
import { LeaseHolder } from './lease-holder.js';
import { type LocalClusterOptions, selfMember } from './local-cluster.js';
import { MemberView } from './member-view.js';

/**
 * Default lease time. The leader renews every third of it; a follower takes the lease the moment it
 * expires, so a killed leader is replaced about one lease time later (the failover drills want < 5 s).
 */
export const DEFAULT_LEASE_TTL_MS = 3_000;

/** Serf's default reconnect timeout: a member silent (failed or left) for this long is no longer listed. */
const DEFAULT_REAP_AFTER_MS = 24 * 3_600_000;

/** Options of {@link createLeaseCluster}. */
export interface LeaseClusterOptions extends LocalClusterOptions {
  /** The store every server shares; it must implement {@link LeaseStore}. */
  readonly store: Store;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Lease time. Default {@link DEFAULT_LEASE_TTL_MS}. */
  readonly ttlMs?: number;
  /**
   * Servers that must have registered before any of them takes the lease (`--bootstrap-expect`), unless
   * the lease was held before (the cluster is bootstrapped already). Default 1.
   */
  readonly bootstrapExpect?: number;
  /** A member whose heartbeat is older than this is `failed` (Status 4). Default three lease times. */
  readonly failAfterMs?: number;
  /** A failed or left member silent this long is not listed any more. Default 24 h (Serf's). */
  readonly reapAfterMs?: number;
  /** Members this cluster does not register itself (plain agents known over gRPC). */
  readonly extraMembers?: () => readonly Member[];
  /**
   * Run targets besides this node. Default none: the leader's own worker runs every job (remote
   * dispatch is the gRPC cluster's part).
   */
  readonly extraCandidates?: () => readonly ClusterCandidate[];
}

/** A {@link Cluster} of servers sharing one store, whose leader holds the store's lease. */
export interface LeaseCluster extends Cluster {
  /** Registers this server and starts taking part in the election (the first round runs at once). */
  start(): void;
  /** Steps down (releasing the lease) and marks this server as left. Idempotent. */
  stop(): Promise<void>;
  /** Why this server does not take part in the election yet (bootstrap), or `undefined` when it does. */
  notReady(): string | undefined;
  /** Resolves when the round running now (if any) is done: what tests await instead of sleeping. */
  settled(): Promise<void>;
}

/** Whether `store` implements the lease methods. */
function leaseStoreOf(store: Store): LeaseStore {
  const methods = [
    'readLease',
    'acquireLease',
    'renewLease',
    'releaseLease',
    'heartbeatMember',
    'leaveMember',
    'listMembers',
  ] as const;
  const missing = methods.filter((m) => typeof store[m] !== 'function');
  if (missing.length > 0) {
    throw new DkronError(
      'VALIDATION',
      `the store cannot hold a leader lease (it lacks ${missing.join(', ')})`,
    );
  }
  return store as LeaseStore;
}

/**
 * The cluster of servers over one store (DESIGN.md §4): each server heartbeats its member row; the one
 * holding the lease leads at the lease's epoch, renewing it every third of its time. A leader steps down
 * when a renew is refused or when its lease runs out on its own clock before a renew succeeded, so a
 * frozen or cut-off leader stops acting before another can take the lease; and since the store refuses
 * launches of older epochs, one that resumes later launches nothing even before it notices.
 */
export function createLeaseCluster(options: LeaseClusterOptions): LeaseCluster {
  const store = leaseStoreOf(options.store);
  const clock = options.clock ?? systemClock;
  const { logger } = options;
  const ttl = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!(ttl >= 30)) throw new DkronError('VALIDATION', `lease time must be at least 30 ms, got ${ttl}`);
  const every = Math.floor(ttl / 3);
  const expect = options.bootstrapExpect ?? 1;
  let self = selfMember({ ...options, server: true });
  const name = self.Name;
  const holder = new LeaseHolder({ store, clock, logger, name, ttlMs: ttl });
  const view = new MemberView({
    self: () => self,
    clock,
    failAfterMs: options.failAfterMs ?? 3 * ttl,
    reapAfterMs: options.reapAfterMs ?? DEFAULT_REAP_AFTER_MS,
    ...(options.extraMembers ? { extraMembers: options.extraMembers } : {}),
  });
  let roundTimer: { cancel(): void } | undefined;
  let round: Promise<void> | undefined;
  /** Bootstrap is a latch: once N servers were seen (or a lease existed), this server stays in. */
  let bootstrapped = expect <= 1;
  let running = false;

  const mayTake = (lease: Lease | undefined) => {
    if (lease !== undefined) bootstrapped = true;
    return bootstrapped;
  };

  async function members(): Promise<void> {
    await store.heartbeatMember(self, clock.now());
    view.update(await store.listMembers());
    if (!bootstrapped && view.aliveServers().length >= expect) bootstrapped = true;
  }

  async function runRound(): Promise<void> {
    const lease = holder.holds() ? holder.renew() : holder.tryTake(mayTake, () => running);
    for (const outcome of await Promise.allSettled([lease, members()])) {
      if (outcome.status === 'rejected') logger.warn('cluster round failed', { err: String(outcome.reason) });
    }
  }

  /** The delay of the next round: a follower comes back right when the lease it saw expires. */
  function nextDelay(): number {
    const known = holder.known;
    if (holder.holds() || known === undefined || known.holder === name) return every;
    return Math.min(every, Math.max(10, known.expiresAt - clock.now() + 5));
  }

  function schedule(delay: number): void {
    roundTimer = clock.setTimeout(() => {
      round = runRound().finally(() => {
        round = undefined;
        if (running) schedule(nextDelay());
      });
    }, delay);
  }

  return {
    members: () => view.list(),
    candidates: () => [
      { name, tags: { ...self.Tags }, alive: true },
      ...(options.extraCandidates?.() ?? []).filter((c) => c.name !== name),
    ],
    leader() {
      if (holder.isLeader()) return self;
      const known = holder.known;
      if (known === undefined || known.expiresAt <= clock.now() || known.holder === name) return undefined;
      return view.list().find((m) => m.Name === known.holder);
    },
    isLeader: () => holder.isLeader(),
    epoch: () => holder.epoch(),
    self: () => self,
    onLeadershipChange: (listener) => holder.onChange(listener),
    retag(tags) {
      // Listed at once; the store's member row gets them with the next round's heartbeat.
      self = selfMember({ ...options, tags, server: true });
    },
    notReady() {
      if (bootstrapped) return undefined;
      const alive = view.aliveServers();
      return `waiting for ${expect} servers to join before electing a leader (--bootstrap-expect ${expect}); ${alive.length} registered: ${alive.join(', ')}`;
    },
    settled: async () => {
      await round;
    },
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    async stop() {
      if (!running) return;
      running = false;
      roundTimer?.cancel();
      // A round still waiting on the store finds `running` false and the term ended: it changes nothing.
      const ended = holder.stepDown('this server stops');
      await Promise.allSettled([
        ended === undefined ? undefined : store.releaseLease(name, ended),
        store.leaveMember(name, clock.now()),
      ]);
    },
  };
}
