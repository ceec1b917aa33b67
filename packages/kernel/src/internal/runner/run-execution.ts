import {
  type ExecuteContext,
  type ExecuteResult,
  type Execution,
  type Job,
  type Logger,
  toPluginError,
} from '@dkron-core/plugin-api';
import { bindLogger, errorMessage } from '../plugins/bind-logger.js';
import { parseConfig } from '../plugins/config-validation.js';
import type { PluginRegistry, RegisteredExecutor } from '../plugins/registry.js';
import { composeOutput, createOutputCapture, type OutputCapture, utf8Tail } from './output-capture.js';
import { runProcessors } from './run-processors.js';
import { formatMs, type Settled, settle, settleOrGiveUp } from './settle.js';

/** Dkron's output for a job whose executor no plugin on the node provides. */
export const EXECUTOR_NOT_PRESENT = 'grpc_agent: Specified executor is not present';

/** Output kept per execution by default (Dkron's circular buffer). */
export const DEFAULT_OUTPUT_LIMIT = 256_000;

/** Options of {@link runExecution}. */
export interface RunExecutionOptions {
  readonly registry: PluginRegistry;
  readonly job: Job;
  /** The execution record, status `running`. */
  readonly execution: Execution;
  readonly logger: Logger;
  /** Name of the node that runs the processors, given to them as `reportingNode`. */
  readonly reportingNode: string;
  /** Cancels the execution (timeout, `concurrency: replace`, API, shutdown). */
  readonly signal?: AbortSignal;
  /** Bytes of output kept, the last ones. Default 256 000. */
  readonly outputLimit?: number;
  /** Receives every chunk of output as text, live. A throw is logged and ignored. */
  readonly onOutput?: (chunk: string) => void;
  /** How long an executor may take to settle after cancellation before it is abandoned. Default 5000. */
  readonly hangGraceMs?: number;
  /** Given to processors; aborted at shutdown. Default: a signal that never aborts. */
  readonly shutdownSignal?: AbortSignal;
  /** A processor running longer than this is abandoned (the execution is kept). Default 30 000. */
  readonly processorTimeoutMs?: number;
}

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

interface Ended {
  readonly status: ExecutionOutcome['status'];
  readonly error?: string;
  /** Replaces the composed output (Dkron's fixed text for a missing executor). */
  readonly output?: string;
}

const NEVER = new AbortController().signal;

/**
 * Runs one execution on this node: resolves the executor, parses the config, calls the executor with
 * a context (linked signal, capped output sink), then the job's processors, and returns the outcome.
 *
 * Never throws and never hangs on a plugin: a throwing executor fails the execution, and one that
 * ignores cancellation is abandoned `hangGraceMs` after the signal fired. It stores nothing.
 */
export async function runExecution(options: RunExecutionOptions): Promise<ExecutionOutcome> {
  const { registry, job, execution } = options;
  const limit = options.outputLimit ?? DEFAULT_OUTPUT_LIMIT;
  const logger = bindLogger(options.logger, { job: job.name, execution: execution.id });
  const streams = registry.hasListeners('execution:output');
  const capture = createOutputCapture(limit, (chunk) => {
    if (options.onOutput !== undefined) {
      try {
        options.onOutput(chunk);
      } catch (thrown) {
        logger.error('output listener failed', { error: errorMessage(thrown) });
      }
    }
    if (streams) void registry.emit('execution:output', { job, execution, chunk });
  });

  const ended = await execute(options, logger, capture);
  capture.close();

  const finishedAt = new Date();
  const output = ended.output ?? composeOutput(ended.error, capture.tail(), limit);
  if (ended.status !== 'success') logger.info(`execution ${ended.status}`, { error: ended.error });
  const finished: Execution = {
    ...execution,
    finished_at: finishedAt.toISOString(),
    success: ended.status === 'success',
    output,
    status: ended.status,
  };
  const processed = await runProcessors({
    registry,
    job,
    execution: finished,
    reportingNode: options.reportingNode,
    logger: options.logger,
    signal: options.shutdownSignal ?? NEVER,
    timeoutMs: options.processorTimeoutMs ?? 30_000,
  });
  void registry.emit('execution:done', { job, execution: processed });
  return {
    status: statusAfterProcessors(finished, processed),
    success: processed.success,
    output: capOutput(processed.output, limit),
    ...(ended.error === undefined ? {} : { error: ended.error }),
    finishedAt,
  };
}

async function execute(options: RunExecutionOptions, logger: Logger, capture: OutputCapture): Promise<Ended> {
  const { registry, job, execution } = options;
  const executor = registry.executor(job.executor);
  if (executor === undefined) {
    return { status: 'failed', error: EXECUTOR_NOT_PRESENT, output: EXECUTOR_NOT_PRESENT };
  }
  let config: Record<string, unknown>;
  try {
    config = parseConfig(executor.definition.config, job.executor_config, 'executor_config');
  } catch (thrown) {
    return { status: 'failed', error: errorMessage(thrown) };
  }
  if (options.signal?.aborted) {
    return {
      status: 'cancelled',
      error: abortMessage(options.signal, 'execution cancelled before it started'),
    };
  }

  const controller = new AbortController();
  const forward = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  const context: ExecuteContext = {
    signal: controller.signal,
    output: capture.sink,
    logger: bindLogger(logger, { plugin: executor.plugin }),
    execution,
    job,
  };
  void registry.emit('execution:start', { job, execution });
  const graceMs = options.hangGraceMs ?? 5000;
  try {
    const settled = await settleOrGiveUp(
      settle(() =>
        executor.definition.execute({ job, config, rawConfig: job.executor_config ?? {} }, context),
      ),
      graceMs,
      (start) => {
        if (controller.signal.aborted) start();
        else controller.signal.addEventListener('abort', start, { once: true });
      },
    );
    return toEnded(settled, executor, controller.signal, graceMs, capture, options);
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
}

function toEnded(
  settled: Settled<ExecuteResult>,
  executor: RegisteredExecutor,
  signal: AbortSignal,
  graceMs: number,
  capture: OutputCapture,
  options: RunExecutionOptions,
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
      job: options.job.name,
      execution: options.execution.id,
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

function abortMessage(signal: AbortSignal, fallback: string): string {
  const reason: unknown = signal.reason;
  // AbortController.abort() without a reason gives a generic DOMException; say something useful instead.
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  if (typeof reason === 'string' && reason !== '') return reason;
  return fallback;
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
