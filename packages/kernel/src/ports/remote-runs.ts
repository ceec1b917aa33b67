/**
 * The RemoteRuns port: runs this node does not run itself. On the leader these are its plain agents'
 * runs (the cluster follows them over their streams); on a server that does not lead, whatever the
 * leader knows (the cluster asks it over gRPC), and the run-now the leader alone can start. A single
 * node has none: the agent then answers from its worker and the store only.
 */

import type { Execution } from '@dkron-core/plugin-api';

/** One step of a followed execution: a chunk of output, or its end. */
export type RemoteFollowEvent = { type: 'output'; chunk: string } | { type: 'done'; execution: Execution };

/** Runs on other nodes, as the API needs them. */
export interface RemoteRuns {
  /**
   * Running executions of other nodes with their live output so far. Rejects when the node that knows
   * them cannot be asked (the agent then answers from the store).
   */
  running(): Promise<Execution[]>;
  /**
   * Cancels `id` where it runs and resolves with it once it ended; `undefined` when no node known here
   * runs it. Errors are {@link DkronError}s (`NOT_FOUND`, `CONFLICT`, `UNAVAILABLE`).
   */
  cancel(job: string, id: string, reason: string): Promise<Execution | undefined>;
  /**
   * Follows `id` where it runs: its output so far, then chunks until its end. `undefined` when no node
   * known here runs it.
   */
  follow(job: string, id: string, signal: AbortSignal): Promise<AsyncIterable<RemoteFollowEvent> | undefined>;
  /** Starts a run of `job` now through the leader (this node does not lead); as `AgentApi.runJob`. */
  runNow(job: string, force: boolean): Promise<void>;
}
