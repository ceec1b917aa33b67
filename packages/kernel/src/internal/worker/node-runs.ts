import { DkronError, type Execution, type Job } from '@dkron-core/plugin-api';
import type { DispatchHandle } from '../../ports/dispatcher.js';
import { msToTime as rfc3339 } from '../job/index.js';
import type { ExecutionOutcome } from '../runner/index.js';
import { type Run, readyRun, type WorkerOptions } from './run.js';

/** Execution ids a node remembers having run, so that a repeated dispatch never runs twice. */
const REMEMBERED_IDS = 50_000;

/**
 * The runs of one node: those made ready ahead (by key), those running (by execution id), and the ids
 * it ran. It ends runs (reports them finished) and stops them at shutdown.
 */
export class NodeRuns {
  /** Runs dispatched and not ended, by execution id. */
  readonly active = new Map<string, Run>();
  /** Runs made ready ahead and not dispatched yet, by key. */
  readonly prepared = new Map<string, Run>();
  /** Set by {@link NodeRuns.stop}: nothing more is dispatched. */
  stopping = false;
  private readonly ran = new Set<string>();

  constructor(readonly options: WorkerOptions) {}

  ready(job: Job): Run {
    return readyRun(this.options, job);
  }

  /** Whether `id` runs here now or ran here: a repeated dispatch of it must not run it again. */
  knows(id: string): boolean {
    return this.active.has(id) || this.ran.has(id);
  }

  handleOf(id: string): DispatchHandle {
    return {
      accepted: true,
      abort: (reason) => this.active.get(id)?.prepared.abort(reason),
    };
  }

  /** Reports how `run` ended, forgets it as active and tells its followers. Never rejects. */
  async finish(run: Run, outcome: Promise<ExecutionOutcome>): Promise<void> {
    const { clock, reports, logger } = this.options;
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
    this.active.delete(finished.id);
    // Remembered once it left `active`, off the dispatch path: a repeated dispatch still finds it.
    this.remember(finished.id);
    run.execution = finished;
    for (const l of run.listeners) l({ type: 'done', execution: finished });
  }

  /** Forgets the ready runs of `keys`, cancelling them. */
  unprepare(keys: readonly string[]): void {
    for (const key of keys)
      this.prepared.get(key)?.prepared.abort(new DkronError('CANCELLED', 'not dispatched'));
    for (const key of keys) this.prepared.delete(key);
  }

  /** Refuses new runs, waits up to `timeoutMs` for the running ones, then cancels the rest and waits for them. */
  async stop(timeoutMs: number): Promise<void> {
    const { clock, logger } = this.options;
    const { active, prepared } = this;
    this.stopping = true;
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
  }

  private remember(id: string): void {
    const { ran } = this;
    ran.add(id);
    if (ran.size > REMEMBERED_IDS) ran.delete(ran.values().next().value as string);
  }
}
