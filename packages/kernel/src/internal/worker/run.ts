import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { ExecutionReports } from '../../ports/execution-reports.js';
import type { PluginRegistry } from '../plugins/index.js';
import { type PreparedExecution, prepareExecution } from '../runner/index.js';
import { TailBuffer } from './tail-buffer.js';

/** What a follower of one execution sees. */
export type FollowEvent = { type: 'output'; chunk: string } | { type: 'done'; execution: Execution };

/** Options of `createWorker` (worker.ts). */
export interface WorkerOptions {
  /** This node: dispatched runs name it in `execution.node_name`. */
  readonly nodeName: string;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Bytes of output kept per execution (tail). */
  readonly outputLimit: number;
  /** Where the worker reports what its runs do (the leader's intake, locally or over the network). */
  readonly reports: ExecutionReports;
}

/** A run of this node: made ready ahead (executor resolved, config parsed), then dispatched. */
export interface Run {
  readonly output: TailBuffer;
  readonly listeners: Set<(event: FollowEvent) => void>;
  readonly prepared: PreparedExecution;
  /** Set when dispatched. */
  execution: Execution;
  /** Settles once the run ended and its end was reported. */
  done: Promise<void>;
}

const SETTLED = Promise.resolve();
/** The execution of a run made ready and not dispatched yet. */
export const NOT_DISPATCHED = {} as Execution;

/**
 * Makes a run of `job` ready: its output goes to the tail kept for `running()`, to its followers and,
 * once dispatched, to the reports port.
 */
export function readyRun(options: WorkerOptions, job: Job): Run {
  const { registry, logger, clock, reports, outputLimit, nodeName } = options;
  const output = new TailBuffer(outputLimit);
  const listeners = new Set<(event: FollowEvent) => void>();
  const run: Run = {
    output,
    listeners,
    execution: NOT_DISPATCHED,
    done: SETTLED,
    prepared: prepareExecution({
      registry,
      job,
      logger,
      reportingNode: nodeName,
      outputLimit,
      clock,
      onOutput: (chunk) => {
        output.append(chunk);
        for (const l of listeners) l({ type: 'output', chunk });
        if (run.execution !== NOT_DISPATCHED) reports.output(run.execution, chunk);
      },
    }),
  };
  return run;
}
