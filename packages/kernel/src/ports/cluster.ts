/**
 * The Cluster port: who is alive and who leads. The kernel reads membership to place runs and
 * leadership to decide whether this node schedules; `createLocalCluster` is the one-node
 * implementation, the clustering issue adds one over Serf/Raft-like membership.
 */

import type { Member } from './agent.js';

/** A member able to run jobs, as target selection sees it. */
export interface ClusterCandidate {
  readonly name: string;
  readonly tags: Record<string, string>;
  readonly alive: boolean;
}

/** A change of this node's leadership. */
export interface LeadershipChange {
  /** Whether this node leads from now on. */
  readonly leader: boolean;
  /** The fencing epoch of the term that starts (or, when `leader` is false, of the one that ended). */
  readonly epoch: number;
}

/** Membership and leadership, as the kernel needs them. */
export interface Cluster {
  /** Every known member (Dkron's `/v1/members`). */
  members(): Member[];
  /** Alive members able to run jobs, with their tags. */
  candidates(): ClusterCandidate[];
  /** The current leader, or `undefined` when none is known. */
  leader(): Member | undefined;
  /** Whether this node leads now. */
  isLeader(): boolean;
  /**
   * The fencing epoch of the current leadership term: every launch the leader records carries it, and
   * the store refuses launches of an older epoch, so a deposed leader launches nothing.
   */
  epoch(): number;
  /** This node. */
  self(): Member;
  /** Calls `listener` on every change of this node's leadership; returns the unsubscribe. */
  onLeadershipChange(listener: (change: LeadershipChange) => void): () => void;
  /**
   * Replaces this node's user tags (SIGHUP): the reserved tags are kept, `self()`, `members()` and
   * `candidates()` show the new ones at once, and a cluster over the store registers them at its next
   * round. Absent when the tags cannot change at run time.
   */
  retag?(tags: Readonly<Record<string, string>>): void;
  /**
   * Whether members that run jobs may still be joining this leader (its term just began, and agents
   * reconnect after a failover or a restart): a slot whose tags match no member then waits for one
   * instead of failing at once. Absent: never.
   */
  placementSettling?(): boolean;
}
