/**
 * The ExecutionReports port: node → leader. A node reports what its runs do; the leader records it
 * and decides what follows (retries, children). Every report is idempotent on the execution id and
 * accepted late (after a failover, by the new leader) without creating a second execution.
 */

import type { Execution } from '@dkron-core/plugin-api';

/** The end of a run. */
export interface FinishedReport {
  /** The execution as it ended: status, `finished_at`, `success`, final (capped, processed) output. */
  readonly execution: Execution;
}

/** Node → leader. */
export interface ExecutionReports {
  /** The run's executor was called. */
  started(execution: Execution): void;
  /** A chunk of live output. The node keeps the tail for followers; the leader may ignore it. */
  output(execution: Execution, chunk: string): void;
  /** The run ended. Resolves once the leader recorded it; repeated or late reports change nothing twice. */
  finished(report: FinishedReport): Promise<void>;
}
