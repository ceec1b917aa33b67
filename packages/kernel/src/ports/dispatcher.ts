/**
 * The Dispatcher port: the leader hands a fully described run to the node that runs it. The local
 * implementation calls this process's worker; the clustering issue adds one over gRPC.
 */

import type { Execution, Job } from '@dkron-core/plugin-api';

/** One attempt of one job on one node, described in full: a node needs nothing else to run it. */
export interface DispatchRun {
  /** The job as the leader saw it when the attempt was planned. */
  readonly job: Job;
  /**
   * The execution record, status `running`: its `id` identifies the attempt (dispatch is idempotent
   * on it), `node_name` the target, `attempt` the attempt number, `scheduled_at` the slot
   * (`null` for manual runs and children).
   */
  readonly execution: Execution;
  /** The key this run was {@link Dispatcher.prepare}d under, if it was. */
  readonly readyKey?: string;
}

/** What a dispatch answered. */
export interface DispatchHandle {
  /** `false` when the node refused the run (unknown node, shutting down, duplicate). */
  readonly accepted: boolean;
  /** Why the run was refused. */
  readonly reason?: string;
  /** Cancels the run (a no-op once it ended, or when it was refused). */
  abort(reason?: unknown): void;
}

/** Leader → node. */
export interface Dispatcher {
  /**
   * Starts every run on its node (`execution.node_name`) and answers for each, in order. Runs start
   * in the order given, all their executors first: a slot's last run starts about as early as its
   * first. Idempotent on execution id: a repeated dispatch of an id never runs it twice (it answers
   * accepted for the run already going). The node reports what happens through the
   * {@link ExecutionReports} port.
   */
  dispatch(runs: readonly DispatchRun[]): DispatchHandle[];
  /**
   * Optional hint that these runs will be dispatched soon (a scheduled slot whose launch is recorded
   * ahead of time): a node may make them ready so that the dispatch costs little more than the
   * executor calls. Ignoring it is correct.
   */
  prepare?(runs: readonly { readonly job: Job; readonly node: string; readonly key: string }[]): void;
  /** Forgets runs prepared under these keys that will not be dispatched. */
  unprepare?(keys: readonly string[]): void;
}
