import type { ExecuteContext, Execution, Job, Logger } from '@dkron-core/plugin-api';
import { type Clock, systemClock } from '../../ports/clock.js';
import { DEFAULT_OUTPUT_LIMIT } from '../defaults.js';
import { errorMessage } from '../plugins/bind-logger.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { type Called, callExecutor, type Ready, resolveExecutor, settledCall } from './executor-call.js';
import { lazyBoundLogger } from './lazy-logger.js';
import {
  abortMessage,
  type Ended,
  type ExecutionOutcome,
  finishedRecord,
  toEnded,
  toOutcome,
} from './outcome.js';
import { composeOutput, createOutputCapture } from './output-capture.js';
import { runProcessors } from './run-processors.js';
import { settleOrGiveUp } from './settle.js';

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

const NEVER = new AbortController().signal;

/**
 * An abort controller made only when its signal is asked for: a run prepared ahead whose executor
 * never looks at its signal (and is never cancelled) allocates none.
 */
class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get aborted(): boolean {
    return this.#aborted;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * Resolves what a run of `job` needs before it starts (see {@link PreparedExecution}). Stores nothing
 * and calls no plugin. The pieces live beside it: the executor call in executor-call.ts, what its end
 * means in outcome.ts, the processors in run-processors.ts.
 */
export function prepareExecution(options: PrepareExecutionOptions): PreparedExecution {
  const { registry, job } = options;
  const limit = options.outputLimit ?? DEFAULT_OUTPUT_LIMIT;
  const graceMs = options.hangGraceMs ?? 5000;
  const clock = options.clock ?? systemClock;
  const controller = new LazyAbort();
  let execution: Execution | undefined;
  let called: Called | undefined;
  /** Starts the grace period of an executor that was asked to stop; set while it runs. */
  let onAbort: (() => void) | undefined;

  const ready: Ready | Ended = resolveExecutor(registry, job);
  // Made when first needed (most runs never log), not when the run is prepared ahead.
  const logFields = () => ({ job: job.name, execution: execution?.id });
  let runLogger: Logger | undefined;
  const logger = (): Logger => (runLogger ??= lazyBoundLogger(options.logger, logFields));
  const streams = registry.hasListeners('execution:output');
  const capture = createOutputCapture(limit, (chunk) => {
    if (options.onOutput !== undefined) {
      try {
        options.onOutput(chunk);
      } catch (thrown) {
        logger().error('output listener failed', { error: errorMessage(thrown) });
      }
    }
    if (streams && execution !== undefined) void registry.emit('execution:output', { job, execution, chunk });
  });

  function call(e: Execution): void {
    if (execution !== undefined) throw new Error('a prepared execution starts once');
    execution = e;
    if ('status' in ready) {
      called = { early: ready };
    } else if (controller.aborted) {
      const error = abortMessage(controller.signal, 'execution cancelled before it started');
      called = { early: { status: 'cancelled', error } };
    } else {
      const context: ExecuteContext = {
        get signal() {
          return controller.signal;
        },
        output: capture.sink,
        // Only a run that calls its executor hands a logger to a plugin, made now, not ahead.
        logger: lazyBoundLogger(options.logger, () => ({ ...logFields(), plugin: ready.executor.plugin })),
        execution: e,
        job,
      };
      called = callExecutor(ready, job, registry, context);
    }
  }

  async function outcome(): Promise<ExecutionOutcome> {
    if (execution === undefined || called === undefined) throw new Error('outcome() before call()');
    const run = execution;
    let ended: Ended;
    if ('early' in called) {
      ended = called.early;
    } else {
      const settled = await settleOrGiveUp(
        settledCall(called),
        graceMs,
        (startGrace) => {
          if (controller.aborted) startGrace();
          else onAbort = startGrace;
        },
        clock,
      );
      onAbort = undefined;
      const signal = controller.aborted ? controller.signal : NEVER;
      ended = toEnded(settled, (ready as Ready).executor, signal, graceMs, capture, job, run);
    }
    capture.close();

    const finishedAt = new Date(clock.now());
    const output = composeOutput(ended.error, capture.tail(), limit);
    if (ended.status !== 'success') logger().info(`execution ${ended.status}`, { error: ended.error });
    const finished = finishedRecord(run, ended, output, finishedAt);
    const processed = await processorsOver(options, finished, clock);
    void registry.emit('execution:done', { job, execution: processed });
    return toOutcome(finished, processed, ended.error, finishedAt, limit);
  }

  return {
    get signal() {
      return controller.signal;
    },
    abort(reason) {
      if (controller.aborted) return;
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

/** Runs the job's processors over `finished` with the options of this run (run-processors.ts). */
function processorsOver(
  options: PrepareExecutionOptions,
  finished: Execution,
  clock: Clock,
): Promise<Execution> {
  return runProcessors({
    registry: options.registry,
    job: options.job,
    execution: finished,
    reportingNode: options.reportingNode,
    logger: options.logger,
    signal: options.shutdownSignal ?? NEVER,
    timeoutMs: options.processorTimeoutMs ?? 30_000,
    clock,
  });
}
