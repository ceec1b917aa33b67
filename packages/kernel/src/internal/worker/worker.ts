import { DkronError, type Execution } from '@dkron-core/plugin-api';
import type { Dispatcher } from '../../ports/dispatcher.js';
import { dispatchRuns } from './dispatch-runs.js';
import { followRun } from './follow-run.js';
import { NodeRuns } from './node-runs.js';
import type { FollowEvent, WorkerOptions } from './run.js';

export type { FollowEvent, WorkerOptions } from './run.js';

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

/**
 * Creates the worker of one node. The runs and their ends live in {@link NodeRuns}, the dispatch loop
 * in {@link dispatchRuns}, following a run in {@link followRun}.
 */
export function createWorker(options: WorkerOptions): Worker {
  const node = new NodeRuns(options);
  const { active, prepared } = node;
  const { nodeName } = options;

  return {
    prepare(runs) {
      for (const r of runs) if (r.node === nodeName) prepared.set(r.key, node.ready(r.job));
    },
    unprepare: (keys) => node.unprepare(keys),
    dispatch: (runs) => dispatchRuns(node, runs),

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

    stop: (timeoutMs) => node.stop(timeoutMs),
  };
}
