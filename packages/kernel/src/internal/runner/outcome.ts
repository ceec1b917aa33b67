import { type ExecuteResult, type Execution, type Job, toPluginError } from '@dkron-core/plugin-api';
import type { RegisteredExecutor } from '../plugins/registry.js';
import { type OutputCapture, utf8Tail } from './output-capture.js';
import { formatMs, type Settled } from './settle.js';

/** How an execution ended, after processors. The caller stores it. */
export interface ExecutionOutcome {
  readonly status: 'success' | 'failed' | 'cancelled';
  readonly success: boolean;
  /** The output to store: `<error>\n` and what was written, capped (tail kept), then processed. */
  readonly output: string;
  /** Why it failed or was cancelled. */
  readonly error?: string;
  readonly finishedAt: Date;
}

/** How the executor call ended, before processors. */
export interface Ended {
  readonly status: ExecutionOutcome['status'];
  readonly error?: string;
}

/** What the executor's settled call means for the execution; writes a returned `output` to `capture`. */
export function toEnded(
  settled: Settled<ExecuteResult>,
  executor: RegisteredExecutor,
  signal: AbortSignal,
  graceMs: number,
  capture: OutputCapture,
  job: Job,
  execution: Execution,
): Ended {
  const cancelled = signal.aborted;
  if (settled.kind === 'hung') {
    return {
      status: 'failed',
      error: `executor ${executor.name} did not stop within ${formatMs(graceMs)} after cancellation`,
    };
  }
  if (settled.kind === 'thrown') {
    const error = toPluginError(settled.error, {
      plugin: executor.plugin,
      job: job.name,
      execution: execution.id,
    }).message;
    return { status: cancelled ? 'cancelled' : 'failed', error };
  }
  const result = settled.value as Partial<ExecuteResult> | null | undefined;
  if (typeof result !== 'object' || result === null || typeof result.success !== 'boolean') {
    return { status: 'failed', error: `executor ${executor.name} returned an invalid result` };
  }
  if (typeof result.output === 'string' && result.output !== '') capture.sink.write(result.output);
  const error = result.error === undefined || result.error === '' ? undefined : String(result.error);
  // Dkron fails an execution whose executor returned an error, whatever else it said.
  if (result.success && error === undefined) return { status: 'success' };
  if (cancelled) return { status: 'cancelled', error: error ?? abortMessage(signal, 'execution cancelled') };
  return error === undefined ? { status: 'failed' } : { status: 'failed', error };
}

/** The message of a cancellation: the abort reason when it says something, else `fallback`. */
export function abortMessage(signal: AbortSignal, fallback: string): string {
  const reason: unknown = signal.reason;
  // AbortController.abort() without a reason gives a generic DOMException; say something useful instead.
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  if (typeof reason === 'string' && reason !== '') return reason;
  return fallback;
}

/** The execution record as the executor left it, handed to the processors. */
export function finishedRecord(
  execution: Execution,
  ended: Ended,
  output: string,
  finishedAt: Date,
): Execution {
  return {
    ...execution,
    finished_at: finishedAt.toISOString(),
    success: ended.status === 'success',
    output,
    status: ended.status,
  };
}

/** The outcome once the processors changed (or kept) `finished` into `processed`; output capped to `limit`. */
export function toOutcome(
  finished: Execution,
  processed: Execution,
  error: string | undefined,
  finishedAt: Date,
  limit: number,
): ExecutionOutcome {
  return {
    status: statusAfterProcessors(finished, processed),
    success: processed.success,
    output: capOutput(processed.output, limit),
    ...(error === undefined ? {} : { error }),
    finishedAt,
  };
}

function statusAfterProcessors(before: Execution, after: Execution): ExecutionOutcome['status'] {
  if (after.status !== before.status && isTerminal(after.status)) return after.status;
  if (after.success !== before.success) return after.success ? 'success' : 'failed';
  return before.status as ExecutionOutcome['status'];
}

function isTerminal(status: unknown): status is ExecutionOutcome['status'] {
  return status === 'success' || status === 'failed' || status === 'cancelled';
}

function capOutput(output: string, limit: number): string {
  // Cheap check first: a string of n UTF-16 units holds at most 3n UTF-8 bytes.
  if (output.length * 3 <= limit) return output;
  const bytes = Buffer.from(output, 'utf8');
  return bytes.length <= limit ? output : utf8Tail(bytes, limit).toString('utf8');
}
