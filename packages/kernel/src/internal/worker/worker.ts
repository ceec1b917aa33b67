import { DkronError, type Execution, type Job, type Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { Dispatcher, DispatchHandle } from '../../ports/dispatcher.js';
import type { ExecutionReports } from '../../ports/execution-reports.js';
import { msToTime as rfc3339 } from '../job/index.js';
import type { PluginRegistry } from '../plugins/index.js';
import { type ExecutionOutcome, type PreparedExecution, prepareExecution } from '../runner/index.js';
import { TailBuffer } from './tail-buffer.js';

/** What a follower of one execution sees. */
export type FollowEvent = { type: 'output'; chunk: string } | { type: 'done'; execution: Execution };

/** Options of {@link createWorker}. */
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

/** The worker of one node: runs what it is dispatched through the plugin registry. */
export interface Worker extends Dispatcher {
  /** Runs of this node, with their output so far. */
  running(): Execution[];
  /** Whether this node runs `id` now (for `job`). */
  runs(job: string, id: string): boolean;
  /** Follows a run of this node; `undefined` when it does not run here. */
  follow(job: string, id: string, signal: AbortSignal): AsyncIterable<FollowEvent> | undefined;
  /** Cancels a run of this node and resolves with it once it ended; `undefined` when it does not run here. */
  cancel(job: string, id: string, reason: string): Promise<Execution> | undefined;
  /** Waits up to `timeoutMs` for the running runs, then cancels the rest and waits for them. */
  stop(timeoutMs: number): Promise<void>;
}

/** A run of this node: made ready ahead (executor resolved, config parsed), then dispatched. */
interface Run {
  readonly output: TailBuffer;
  readonly listeners: Set<(event: FollowEvent) => void>;
  readonly prepared: PreparedExecution;
  /** Set when dispatched. */
  execution: Execution;
  /** Settles once the run ended and its end was reported. */
  done: Promise<void>;
}

/** Execution ids a node remembers having run, so that a repeated dispatch never runs twice. */
const REMEMBERED_IDS = 50_000;
const SETTLED = Promise.resolve();
/** The execution of a run made ready and not dispatched yet. */
const NOT_DISPATCHED = {} as Execution;

/** Creates the worker of one node. */
export function createWorker(options: WorkerOptions): Worker {
  const { registry, logger, clock, reports, outputLimit, nodeName } = options;
  const active = new Map<string, Run>();
  const prepared = new Map<string, Run>();
  const ran = new Set<string>();
  let stopping = false;

  function ready(job: Job): Run {
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

  function remember(id: string): void {
    ran.add(id);
    if (ran.size > REMEMBERED_IDS) ran.delete(ran.values().next().value as string);
  }

  function refused(reason: string): DispatchHandle {
    return { accepted: false, reason, abort() {} };
  }

  function handleOf(id: string): DispatchHandle {
    return {
      accepted: true,
      abort: (reason) => active.get(id)?.prepared.abort(reason),
    };
  }

  async function finish(run: Run, outcome: Promise<ExecutionOutcome>): Promise<void> {
    let ended: ExecutionOutcome;
    try {
      ended = await outcome;
    } catch (err) {
      ended = {
        status: 'failed',
        success: false,
        output: String(err),
        error: String(err),
        finishedAt: new Date(clock.now()),
      };
    }
    const finished: Execution = {
      ...run.execution,
      finished_at: rfc3339(ended.finishedAt.getTime()),
      success: ended.success,
      output: ended.output,
      status: ended.status,
    };
    try {
      await reports.finished({ execution: finished });
    } catch (err) {
      logger.error('could not report a finished execution', { execution: finished.id, err: String(err) });
    }
    active.delete(finished.id);
    // Remembered once it left `active`, off the dispatch path: a repeated dispatch still finds it.
    remember(finished.id);
    run.execution = finished;
    for (const l of run.listeners) l({ type: 'done', execution: finished });
  }

  const worker: Worker = {
    prepare(runs) {
      for (const r of runs) if (r.node === nodeName) prepared.set(r.key, ready(r.job));
    },
    unprepare(keys) {
      for (const key of keys)
        prepared.get(key)?.prepared.abort(new DkronError('CANCELLED', 'not dispatched'));
      for (const key of keys) prepared.delete(key);
    },

    dispatch(runs) {
      const handles: DispatchHandle[] = [];
      const called: Run[] = [];
      // Every executor call first, then the bookkeeping of each run.
      for (const { job, execution, readyKey: key } of runs) {
        if (execution.node_name !== nodeName) {
          handles.push(refused(`node ${execution.node_name} is not this node (${nodeName})`));
          continue;
        }
        if (active.has(execution.id) || ran.has(execution.id)) {
          handles.push(handleOf(execution.id));
          continue;
        }
        if (stopping) {
          handles.push(refused('the node is shutting down'));
          continue;
        }
        const run = (key !== undefined && prepared.get(key)) || ready(job);
        if (key !== undefined) prepared.delete(key);
        run.execution = execution;
        active.set(execution.id, run);
        run.prepared.call(execution);
        called.push(run);
        handles.push(handleOf(execution.id));
      }
      // `outcome` follows every `call` in the same turn of the event loop, as it must.
      for (const run of called) run.done = finish(run, run.prepared.outcome());
      // Reported once the dispatcher returned, as a remote node's report would arrive: the leader
      // registers what it waits for right after the dispatch.
      if (called.length > 0)
        queueMicrotask(() => {
          for (const run of called) reports.started(run.execution);
        });
      return handles;
    },

    running: () =>
      [...active.values()]
        .map((r) => ({ ...r.execution, output: r.output.toString() }))
        .sort((a, b) => a.started_at.localeCompare(b.started_at)),

    runs: (job, id) => active.get(id)?.execution.job_name === job,

    follow(job, id, signal) {
      const run = active.get(id);
      if (!run || run.execution.job_name !== job) return undefined;
      return followRun(run, signal);
    },

    cancel(job, id, reason) {
      const run = active.get(id);
      if (!run || run.execution.job_name !== job) return undefined;
      run.prepared.abort(new DkronError('CANCELLED', reason));
      return run.done.then(() => run.execution);
    },

    async stop(timeoutMs) {
      stopping = true;
      for (const key of prepared.keys())
        prepared.get(key)?.prepared.abort(new DkronError('CANCELLED', 'agent shutting down'));
      prepared.clear();
      const running = [...active.values()];
      if (running.length === 0) return;
      logger.info('waiting for running executions', { count: running.length, timeoutMs });
      let timer: { cancel(): void } | undefined;
      const timedOut = new Promise<void>((r) => (timer = clock.setTimeout(r, timeoutMs)));
      await Promise.race([Promise.all(running.map((r) => r.done)), timedOut]);
      timer?.cancel();
      for (const r of active.values()) r.prepared.abort(new DkronError('CANCELLED', 'agent shutting down'));
      await Promise.all([...active.values()].map((r) => r.done));
    },
  };
  return worker;
}

async function* followRun(run: Run, signal: AbortSignal): AsyncIterable<FollowEvent> {
  const queue: FollowEvent[] = [];
  let wake: (() => void) | undefined;
  const listener = (event: FollowEvent) => {
    queue.push(event);
    wake?.();
  };
  const replay = run.output.toString();
  run.listeners.add(listener);
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    if (replay !== '') yield { type: 'output', chunk: replay };
    while (!signal.aborted) {
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      yield event;
      if (event.type === 'done') return;
    }
  } finally {
    run.listeners.delete(listener);
    signal.removeEventListener('abort', onAbort);
  }
}
