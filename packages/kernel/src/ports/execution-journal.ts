import type { Execution } from '@dkron-core/plugin-api';
import type { ExecutionCompletion } from './store.js';

/**
 * What the store has not taken yet of one execution that ran on this node: its running record
 * (`start`, absent once written) and its result (`completion`, absent while it runs).
 */
export interface UnwrittenExecution {
  readonly start?: Execution;
  readonly completion?: ExecutionCompletion;
}

/**
 * Where records the store refused survive a restart: a small local file under the data dir in the
 * server, a map in tests. The kernel keeps them in memory and retries them until the store takes them;
 * the journal holds the same list so a crash or a stop does not lose a run that happened.
 */
export interface ExecutionJournal {
  /** What a previous process left (`[]` when nothing). */
  load(): Promise<UnwrittenExecution[]>;
  /** Replaces the journal's content (`[]`: nothing is pending). Calls are not concurrent. */
  save(records: readonly UnwrittenExecution[]): Promise<void>;
}
