import type { Execution } from '@dkron-core/plugin-api';
import { DEFAULT_OUTPUT_LIMIT } from '../defaults.js';
import type { ExecutionOutcome } from './outcome.js';
import { type PrepareExecutionOptions, prepareExecution } from './prepare-execution.js';

export type { ExecutionOutcome } from './outcome.js';
export type { PreparedExecution, PrepareExecutionOptions } from './prepare-execution.js';
export { DEFAULT_OUTPUT_LIMIT, prepareExecution };

/** Options of {@link runExecution}. */
export interface RunExecutionOptions extends PrepareExecutionOptions {
  /** The execution record, status `running`. */
  readonly execution: Execution;
  /** Cancels the execution (timeout, `concurrency: replace`, API, shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * Runs one execution on this node: resolves the executor, parses the config, calls the executor with
 * a context (linked signal, capped output sink), then the job's processors, and returns the outcome.
 *
 * Never throws and never hangs on a plugin: a throwing executor fails the execution, and one that
 * ignores cancellation is abandoned `hangGraceMs` after the signal fired. It stores nothing.
 */
export async function runExecution(options: RunExecutionOptions): Promise<ExecutionOutcome> {
  const prepared = prepareExecution(options);
  const signal = options.signal;
  if (signal?.aborted) prepared.abort(signal.reason);
  const forward = () => prepared.abort(signal?.reason);
  signal?.addEventListener('abort', forward, { once: true });
  try {
    return await prepared.start(options.execution);
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}
