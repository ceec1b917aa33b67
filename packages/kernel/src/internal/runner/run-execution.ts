import {
  type ExecuteContext,
  type ExecuteResult,
  type Execution,
  type Job,
  type LogFields,
  type Logger,
  toPluginError,
} from '@dkron-core/plugin-api';
import { type Clock, systemClock } from '../../ports/clock.js';
import { DEFAULT_OUTPUT_LIMIT } from '../defaults.js';
import { bindLogger, errorMessage } from '../plugins/bind-logger.js';
import { parseConfig } from '../plugins/config-validation.js';
import type { PluginRegistry, RegisteredExecutor } from '../plugins/registry.js';
import { composeOutput, createOutputCapture, type OutputCapture, utf8Tail } from './output-capture.js';
import { runProcessors } from './run-processors.js';
import { formatMs, type Settled, settleOrGiveUp, settleReturned } from './settle.js';

export { DEFAULT_OUTPUT_LIMIT };

/** Options of {@link prepareExecution}: everything about a run but the execution record. */
export interface PrepareExecutionOptions {
  readonly registry: PluginRegistry;
  readonly job: Job;
  readonly logger: Logger;
  /** Name of the node that runs the processors, given to them as `reportingNode`. */
  readonly reportingNode: string;
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
  /** Time of `finished_at` and of the grace and processor timers. Default: the system clock. */
  readonly clock?: Clock;
}

/** Options of {@link runExecution}. */
export interface RunExecutionOptions extends PrepareExecutionOptions {
  /** The execution record, status `running`. */
  readonly execution: Execution;
  /** Cancels the execution (timeout, `concurrency: replace`, API, shutdown). */
  readonly signal?: AbortSignal;
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

/**
 * A run made ready ahead of its start: executor resolved, config parsed, signal, logger and output
 * capture created. Starting it then costs little more than the executor call, which is what lets a
 * scheduler start thousands of runs on the same second without the last ones starting late.
 */
export interface PreparedExecution {
  /** The signal the executor gets; fired by {@link PreparedExecution.abort}. */
  readonly signal: AbortSignal;
  /**
   * Cancels the run, before or after its start: a run cancelled before it starts never calls the
   * executor, one that ignores cancellation is abandoned `hangGraceMs` later.
   */
  abort(reason?: unknown): void;
  /** {@link PreparedExecution.call} then {@link PreparedExecution.outcome}. */
  start(execution: Execution): Promise<ExecutionOutcome>;
  /**
   * Calls the executor with `execution` (status `running`) and returns as soon as the call returns,
   * doing nothing else: a caller starting many runs at once calls them all first, then takes their
   * outcomes. {@link PreparedExecution.outcome} must follow in the same turn of the event loop (it
   * handles what the executor returned, a rejection included). Call once.
   */
  call(execution: Execution): void;
  /** Resolves with the outcome, after processors, of the run started by `call`. Never rejects. */
  outcome(): Promise<ExecutionOutcome>;
}

interface Ended {
  readonly status: ExecutionOutcome['status'];
  readonly error?: string;
}

const NEVER = new AbortController().signal;

/**
 * Resolves what a run of `job` needs before it starts (see {@link PreparedExecution}). Stores nothing
 * and calls no plugin.
 */
export function prepareExecution(options: PrepareExecutionOptions): PreparedExecution {
  const { registry, job } = options;
  const limit = options.outputLimit ?? DEFAULT_OUTPUT_LIMIT;
  const graceMs = options.hangGraceMs ?? 5000;
  const clock = options.clock ?? systemClock;
  const controller = new AbortController();
  let aborted = false;
  let execution: Execution | undefined;
  /** What the executor call returned; `early` when the executor was not called. */
  let called: { value: unknown } | { thrown: unknown } | { early: Ended } | undefined;
  /** Starts the grace period of an executor that was asked to stop; set while it runs. */
  let onAbort: (() => void) | undefined;

  const executor = registry.executor(job.executor);
  let ready: { executor: RegisteredExecutor; config: Record<string, unknown> } | Ended;
  if (executor === undefined) {
    // Dkron says only `grpc_agent: Specified executor is not present`; say which one and how to load it.
    ready = { status: 'failed', error: registry.missingExecutorMessage(job.executor) };
  } else {
    try {
      ready = {
        executor,
        config: parseConfig(executor.definition.config, job.executor_config, 'executor_config'),
      };
    } catch (thrown) {
      ready = { status: 'failed', error: errorMessage(thrown) };
    }
  }
  // Bound lazily: most runs never log.
  const logger = lazyBoundLogger(options.logger, () => ({ job: job.name, execution: execution?.id }));
  const pluginLogger =
    executor === undefined
      ? logger
      : lazyBoundLogger(options.logger, () => ({
          job: job.name,
          execution: execution?.id,
          plugin: executor.plugin,
        }));
  const streams = registry.hasListeners('execution:output');
  const capture = createOutputCapture(limit, (chunk) => {
    if (options.onOutput !== undefined) {
      try {
        options.onOutput(chunk);
      } catch (thrown) {
        logger.error('output listener failed', { error: errorMessage(thrown) });
      }
    }
    if (streams && execution !== undefined) void registry.emit('execution:output', { job, execution, chunk });
  });

  function call(e: Execution): void {
    if (execution !== undefined) throw new Error('a prepared execution starts once');
    execution = e;
    if ('status' in ready) {
      called = { early: ready };
      return;
    }
    if (aborted) {
      called = {
        early: {
          status: 'cancelled',
          error: abortMessage(controller.signal, 'execution cancelled before it started'),
        },
      };
      return;
    }
    const context: ExecuteContext = {
      signal: controller.signal,
      output: capture.sink,
      logger: pluginLogger,
      execution: e,
      job,
    };
    if (registry.hasListeners('execution:start'))
      void registry.emit('execution:start', { job, execution: e });
    try {
      called = {
        value: ready.executor.definition.execute(
          { job, config: ready.config, rawConfig: job.executor_config ?? {} },
          context,
        ),
      };
    } catch (thrown) {
      called = { thrown };
    }
  }

  async function outcome(): Promise<ExecutionOutcome> {
    if (execution === undefined || called === undefined) throw new Error('outcome() before call()');
    const run = execution;
    let ended: Ended;
    if ('early' in called) {
      ended = called.early;
    } else {
      const ex = (ready as { executor: RegisteredExecutor }).executor;
      const pending: Promise<Settled<ExecuteResult>> =
        'thrown' in called
          ? Promise.resolve({ kind: 'thrown', error: called.thrown })
          : settleReturned(called.value as ExecuteResult | Promise<ExecuteResult>);
      const settled = await settleOrGiveUp(
        pending,
        graceMs,
        (startGrace) => {
          if (aborted) startGrace();
          else onAbort = startGrace;
        },
        clock,
      );
      onAbort = undefined;
      ended = toEnded(settled, ex, controller.signal, graceMs, capture, job, run);
    }
    capture.close();

    const finishedAt = new Date(clock.now());
    const output = composeOutput(ended.error, capture.tail(), limit);
    if (ended.status !== 'success') logger.info(`execution ${ended.status}`, { error: ended.error });
    const finished: Execution = {
      ...run,
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
      clock,
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

  return {
    signal: controller.signal,
    abort(reason) {
      if (aborted) return;
      aborted = true;
      controller.abort(reason);
      onAbort?.();
    },
    call,
    outcome,
    start(e) {
      call(e);
      return outcome();
    },
  };
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

/** A logger adding fields computed on first use, so a run that never logs builds nothing. */
function lazyBoundLogger(logger: Logger, fields: () => LogFields): Logger {
  let bound: Logger | undefined;
  const get = (): Logger => {
    bound ??= bindLogger(logger, fields());
    return bound;
  };
  return {
    debug: (message, extra) => get().debug(message, extra),
    info: (message, extra) => get().info(message, extra),
    warn: (message, extra) => get().warn(message, extra),
    error: (message, extra) => get().error(message, extra),
  };
}

function toEnded(
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
