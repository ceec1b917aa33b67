/**
 * A job's status after a trigger (Dkron §2.3), from the executions of that trigger group, with
 * dkron-core's fix: only each node's latest attempt counts, so a run that succeeds on retry is a
 * success (Dkron reports it `partially_failed`, which blocks children and ephemeral deletion).
 */

import type { Execution, JobStatus } from '@dkron-core/plugin-api';
import { timeToNanos } from './time.js';

/** The execution fields the status depends on. */
export type StatusExecution = Pick<Execution, 'node_name' | 'attempt' | 'started_at' | 'status'>;

const startedNanos = (execution: StatusExecution): bigint => timeToNanos(execution.started_at) ?? 0n;

/**
 * `running` while any node's latest attempt runs; otherwise `success` when every node's latest attempt
 * succeeded, `failed` when none did, `partially_failed` when some did. `''` for no executions.
 */
export function computeStatus(executions: readonly StatusExecution[]): JobStatus {
  const latest = new Map<string, StatusExecution>();
  for (const execution of executions) {
    const current = latest.get(execution.node_name);
    if (
      current === undefined ||
      execution.attempt > current.attempt ||
      (execution.attempt === current.attempt && startedNanos(execution) > startedNanos(current))
    ) {
      latest.set(execution.node_name, execution);
    }
  }
  if (latest.size === 0) return '';
  let succeeded = 0;
  for (const execution of latest.values()) {
    if (execution.status === 'running') return 'running';
    if (execution.status === 'success') succeeded++;
  }
  if (succeeded === latest.size) return 'success';
  return succeeded === 0 ? 'failed' : 'partially_failed';
}
