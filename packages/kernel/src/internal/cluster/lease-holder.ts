import type { Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { LeadershipChange } from '../../ports/cluster.js';
import type { Lease, LeaseStore } from '../../ports/store.js';

/** One leadership of this server. */
interface Term {
  readonly epoch: number;
  /** Local time after which this server must not act as leader: the send time of the last renew + ttl. */
  deadline: number;
}

/** Options of {@link LeaseHolder}. */
export interface LeaseHolderOptions {
  readonly store: LeaseStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This server's name: the lease holder's. */
  readonly name: string;
  readonly ttlMs: number;
}

/**
 * This server's side of the lease: takes it when free, renews it while leading, and steps down when a
 * renew is refused or when the lease runs out on this server's clock before a renew succeeded. Only the
 * lease decides here; who is a member is the MemberView's business.
 */
export class LeaseHolder {
  readonly #o: LeaseHolderOptions;
  readonly #listeners = new Set<(change: LeadershipChange) => void>();
  #term: Term | undefined;
  #lastEpoch = 0;
  #deadlineTimer: { cancel(): void } | undefined;
  /** The lease as last read or written. */
  known: Lease | undefined;

  constructor(options: LeaseHolderOptions) {
    this.#o = options;
  }

  /** Leading now: holding the lease, within its time on this server's clock. */
  isLeader(): boolean {
    return this.#term !== undefined && this.#o.clock.now() < this.#term.deadline;
  }

  /** Holding a term (possibly past its deadline, until the step-down runs). */
  holds(): boolean {
    return this.#term !== undefined;
  }

  /** The epoch of the current term, or of the last one. */
  epoch(): number {
    return this.#term?.epoch ?? this.#lastEpoch;
  }

  /** Calls `listener` on every change of leadership; returns the unsubscribe. */
  onChange(listener: (change: LeadershipChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the term, if any: listeners hear `leader: false`. Returns the epoch that ended. */
  stepDown(why: string): number | undefined {
    const ended = this.#term;
    if (!ended) return undefined;
    this.#term = undefined;
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = undefined;
    this.#o.logger.warn('stepping down as leader', { epoch: ended.epoch, why });
    this.#emit({ leader: false, epoch: ended.epoch });
    return ended.epoch;
  }

  /** Extends the current term's lease; steps down if it ran out or another server holds it now. */
  async renew(): Promise<void> {
    const { store, clock, logger, name, ttlMs } = this.#o;
    const current = this.#term;
    if (!current) return;
    const sentAt = clock.now();
    if (sentAt >= current.deadline) {
      this.stepDown('the lease ran out before a renew succeeded');
      return;
    }
    let renewed: Lease | undefined;
    try {
      renewed = await store.renewLease(name, current.epoch, ttlMs, sentAt);
    } catch (err) {
      // The deadline timer steps down if no renew succeeds in time.
      logger.warn('could not renew the leader lease', { err: String(err) });
      return;
    }
    if (this.#term !== current) return;
    if (renewed === undefined) {
      this.stepDown('another server holds the lease');
      return;
    }
    this.known = renewed;
    current.deadline = Math.max(current.deadline, sentAt + ttlMs);
    this.#armDeadline(current);
  }

  /**
   * Takes the lease when it is free (or this server's) and `mayTake` allows it (bootstrap); starts a
   * term at the epoch the store gave. `stillWanted` is asked once the store answered (a stop meanwhile).
   */
  async tryTake(mayTake: (lease: Lease | undefined) => boolean, stillWanted: () => boolean): Promise<void> {
    const { store, clock, logger, name, ttlMs } = this.#o;
    const sentAt = clock.now();
    const current = await store.readLease();
    this.known = current;
    if (!mayTake(current)) return;
    if (current !== undefined && current.holder !== name && current.expiresAt > sentAt) return;
    const got = await store.acquireLease(name, ttlMs, sentAt);
    this.known = got;
    // Taken too late to act on (a stall): the next round takes it again, at a new epoch.
    if (got.holder !== name || clock.now() >= sentAt + ttlMs || !stillWanted() || this.#term) return;
    const started: Term = { epoch: got.epoch, deadline: sentAt + ttlMs };
    this.#term = started;
    this.#lastEpoch = got.epoch;
    this.#armDeadline(started);
    logger.info('leading the cluster', { epoch: got.epoch });
    this.#emit({ leader: true, epoch: got.epoch });
  }

  #armDeadline(current: Term): void {
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = this.#o.clock.setTimeout(
      () => {
        if (this.#term === current) this.stepDown('the lease ran out before a renew succeeded');
      },
      Math.max(0, current.deadline - this.#o.clock.now()),
    );
  }

  #emit(change: LeadershipChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#o.logger.error('leadership listener failed', { err: String(err) });
      }
    }
  }
}
