import { DkronError, type Logger } from '@dkron-core/plugin-api';
import type { Member } from '../../ports/agent.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Cluster, ClusterCandidate, LeadershipChange } from '../../ports/cluster.js';
import type { Lease, LeaseStore, RegisteredMember, Store } from '../../ports/store.js';
import { type LocalClusterOptions, selfMember } from './local-cluster.js';

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

interface Term {
  readonly epoch: number;
  /** Local time after which this server must not act as leader: the send time of the last renew + ttl. */
  deadline: number;
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
  const failAfter = options.failAfterMs ?? 3 * ttl;
  const reapAfter = options.reapAfterMs ?? DEFAULT_REAP_AFTER_MS;
  const expect = options.bootstrapExpect ?? 1;
  const self = selfMember({ ...options, server: true });
  const name = self.Name;
  const listeners = new Set<(change: LeadershipChange) => void>();

  let term: Term | undefined;
  let lastEpoch = 0;
  let deadlineTimer: { cancel(): void } | undefined;
  let roundTimer: { cancel(): void } | undefined;
  let round: Promise<void> | undefined;
  let known: Lease | undefined;
  let registered: RegisteredMember[] = [];
  /** Bootstrap is a latch: once N servers were seen (or a lease existed), this server stays in. */
  let bootstrapped = expect <= 1;
  let running = false;

  function emit(change: LeadershipChange): void {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (err) {
        logger.error('leadership listener failed', { err: String(err) });
      }
    }
  }

  function stepDown(why: string): void {
    const ended = term;
    if (!ended) return;
    term = undefined;
    deadlineTimer?.cancel();
    deadlineTimer = undefined;
    logger.warn('stepping down as leader', { epoch: ended.epoch, why });
    emit({ leader: false, epoch: ended.epoch });
  }

  function armDeadline(current: Term): void {
    deadlineTimer?.cancel();
    deadlineTimer = clock.setTimeout(
      () => {
        if (term === current) stepDown('the lease ran out before a renew succeeded');
      },
      Math.max(0, current.deadline - clock.now()),
    );
  }

  async function renew(current: Term): Promise<void> {
    const sentAt = clock.now();
    if (sentAt >= current.deadline) return stepDown('the lease ran out before a renew succeeded');
    let renewed: Lease | undefined;
    try {
      renewed = await store.renewLease(name, current.epoch, ttl, sentAt);
    } catch (err) {
      // The deadline timer steps down if no renew succeeds in time.
      logger.warn('could not renew the leader lease', { err: String(err) });
      return;
    }
    if (term !== current) return;
    if (renewed === undefined) return stepDown('another server holds the lease');
    known = renewed;
    current.deadline = Math.max(current.deadline, sentAt + ttl);
    armDeadline(current);
  }

  async function tryTake(): Promise<void> {
    const sentAt = clock.now();
    const current = await store.readLease();
    known = current;
    if (current !== undefined) bootstrapped = true;
    if (!bootstrapped) return;
    if (current !== undefined && current.holder !== name && current.expiresAt > sentAt) return;
    const got = await store.acquireLease(name, ttl, sentAt);
    known = got;
    // Taken too late to act on (a stall): the next round takes it again, at a new epoch.
    if (got.holder !== name || clock.now() >= sentAt + ttl || !running) return;
    const started: Term = { epoch: got.epoch, deadline: sentAt + ttl };
    term = started;
    lastEpoch = got.epoch;
    armDeadline(started);
    logger.info('leading the cluster', { epoch: got.epoch });
    emit({ leader: true, epoch: got.epoch });
  }

  async function members(): Promise<void> {
    await store.heartbeatMember(self, clock.now());
    registered = await store.listMembers();
    if (!bootstrapped && aliveServers().length >= expect) bootstrapped = true;
  }

  async function runRound(): Promise<void> {
    const current = term;
    const [lease, membership] = await Promise.allSettled([current ? renew(current) : tryTake(), members()]);
    for (const outcome of [lease, membership]) {
      if (outcome.status === 'rejected') {
        logger.warn('cluster round failed', { err: String(outcome.reason) });
      }
    }
  }

  /** The delay of the next round: a follower comes back right when the lease it saw expires. */
  function nextDelay(): number {
    if (term || known === undefined || known.holder === name) return every;
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

  function statusOf(entry: RegisteredMember, now: number): number {
    if (entry.left) return 3;
    return entry.lastSeen < now - failAfter ? 4 : 1;
  }

  function listed(): Member[] {
    const now = clock.now();
    const out = new Map<string, Member>();
    for (const entry of registered) {
      if (entry.member.Name === name) continue;
      const status = statusOf(entry, now);
      if (status !== 1 && entry.lastSeen < now - reapAfter) continue;
      out.set(entry.member.Name, { ...entry.member, Status: status });
    }
    out.set(name, self);
    for (const extra of options.extraMembers?.() ?? []) if (!out.has(extra.Name)) out.set(extra.Name, extra);
    return [...out.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  }

  function aliveServers(): string[] {
    return listed()
      .filter((m) => m.Status === 1 && m.Tags.server === 'true')
      .map((m) => m.Name);
  }

  const isLeader = () => term !== undefined && clock.now() < term.deadline;

  return {
    members: listed,
    candidates: () => [
      { name, tags: { ...self.Tags }, alive: true },
      ...(options.extraCandidates?.() ?? []).filter((c) => c.name !== name),
    ],
    leader() {
      if (isLeader()) return self;
      if (known === undefined || known.expiresAt <= clock.now() || known.holder === name) return undefined;
      const holder = known.holder;
      return listed().find((m) => m.Name === holder);
    },
    isLeader,
    epoch: () => term?.epoch ?? lastEpoch,
    self: () => self,
    onLeadershipChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    notReady() {
      if (bootstrapped) return undefined;
      const alive = aliveServers();
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
      // A round still waiting on the store finds `running` false and `term` ended: it changes nothing.
      const ended = term;
      stepDown('this server stops');
      await Promise.allSettled([
        ended ? store.releaseLease(name, ended.epoch) : undefined,
        store.leaveMember(name, clock.now()),
      ]);
    },
  };
}
