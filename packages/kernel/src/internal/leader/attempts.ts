import { DkronError, type Execution, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import type { ClusterCandidate } from '../../ports/cluster.js';
import type { DispatchHandle } from '../../ports/dispatcher.js';
import { parseGoDuration } from '../schedule/index.js';
import { selectTargets } from '../tags/index.js';
import type { TriggerState } from './concurrency.js';
import { type LeaderContext, notify } from './context.js';
import { executionId, rfc3339, timeTextCache } from './ids.js';

/** One trigger of a job: its group (ns, as Dkron) and its slot (`null` for manual runs and children). */
export interface Trigger {
  readonly group: number;
  readonly scheduledAt: number | null;
}

/** A first attempt, recorded (or being recorded) and ready to dispatch. */
export interface PlannedRun {
  readonly job: Job;
  readonly t: Trigger;
  readonly execution: Execution;
  /**
   * The write of its running record (its completion is written after it). Absent for a scheduled run,
   * whose ledger row is stored: its running record is written once it was dispatched.
   */
  readonly recorded?: Promise<void>;
  /** The key it was prepared under on its node (see `Dispatcher.prepare`). */
  readonly readyKey?: string;
}

/** A failed attempt and when it failed, from which a retry may follow. */
interface Failure {
  readonly job: Job;
  readonly outcome: Execution;
  /** When the attempt ended (ms). */
  readonly at: number;
}

const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Attempts and retries: dispatches the first attempt of each trigger on its nodes and follows it, in
 * one loop per node, through its retries to its final result. A retry is a stored execution: a new
 * leader finds a failed attempt with retries left in the store and carries on from it.
 */
export class Attempts {
  readonly #ctx: LeaderContext;
  readonly #onTriggerDone: (job: Job, ok: boolean) => void;
  // Runs of one slot share their start and slot times: format each once.
  readonly #startedText = timeTextCache();
  readonly #slotText = timeTextCache();

  /** `onTriggerDone` gets each trigger's result once every node of it has its final result. */
  constructor(ctx: LeaderContext, onTriggerDone: (job: Job, ok: boolean) => void) {
    this.#ctx = ctx;
    this.#onTriggerDone = onTriggerDone;
  }

  /** The nodes a job's tags select among the alive members. */
  targets(job: Job): string[] {
    return selectTargets(job.tags, this.#ctx.cluster.candidates(), this.#ctx.random).map((t) => t.name);
  }

  newExecution(job: Job, t: Trigger, attempt: number, node: string): Execution {
    const startedAt = this.#ctx.clock.now();
    return {
      id: executionId(startedAt, node),
      job_name: job.name,
      started_at: this.#startedText(startedAt),
      finished_at: ZERO_TIME,
      success: false,
      output: '',
      node_name: node,
      group: t.group,
      attempt,
      status: 'running',
      scheduled_at: t.scheduledAt === null ? null : this.#slotText(t.scheduledAt),
    };
  }

  /**
   * Starts one trigger of a job on every selected target and resolves once it is dispatched. A
   * scheduled run comes with its targets (chosen when its slot was written to the ledger) and starts
   * while its running record is written; manual runs and children write it first.
   */
  async trigger(job: Job, t: Trigger, scheduledNodes?: readonly string[]): Promise<void> {
    const ctx = this.#ctx;
    if (job.concurrency === 'replace') {
      await ctx.concurrency.cancel(job.name, new DkronError('CANCELLED', 'replaced by a new run'));
    }
    const nodes = scheduledNodes ?? this.targets(job);
    if (nodes.length === 0) {
      throw new DkronError('NOT_FOUND', `no target nodes found to run job ${job.name}`, {
        details: { job: job.name },
      });
    }
    const runs: PlannedRun[] = [];
    for (const node of nodes) {
      const execution = this.newExecution(job, t, 1, node);
      const recorded = scheduledNodes ? ctx.ledger.scheduledStart(execution) : ctx.ledger.start(execution);
      if (!scheduledNodes) await recorded;
      runs.push({ job, t, execution, recorded });
    }
    this.launch([runs]);
  }

  /**
   * A scheduled slot whose tags select no alive node: recorded as a failed execution saying so (Dkron
   * only logs it), on this node, so that the miss shows in the job's executions and counters.
   */
  noTargets(job: Job, t: Trigger): void {
    const ctx = this.#ctx;
    const why = `no target nodes found to run job ${job.name}: no alive member matches its tags ${JSON.stringify(job.tags ?? {})}`;
    ctx.logger.warn('no target nodes', { job: job.name, tags: job.tags });
    const execution = this.newExecution(job, t, 1, ctx.cluster.self().Name);
    void ctx.ledger
      .start(execution)
      .then(() =>
        ctx.ledger.complete({
          jobName: job.name,
          executionId: execution.id,
          status: 'failed',
          finishedAt: rfc3339(ctx.clock.now()),
          output: `${why}\n`,
        }),
      )
      .catch((err: unknown) => ctx.logger.error('store write failed', { err: String(err) }));
  }

  /** Dispatches first attempts together (each inner list one trigger's runs) and follows each. */
  launch(triggers: readonly (readonly PlannedRun[])[]): void {
    const ctx = this.#ctx;
    const flat = triggers.flat();
    // Every executor call first, then the bookkeeping of each run: the slot's last run starts about as
    // early as its first. A node reports asynchronously, so the waits registered below are in time.
    const handles = ctx.dispatcher.dispatch(
      flat.map((r) => ({
        job: r.job,
        execution: r.execution,
        ...(r.readyKey ? { readyKey: r.readyKey } : {}),
      })),
    );
    let i = 0;
    for (const runs of triggers) {
      const group = { pending: runs.length, ok: true };
      for (const run of runs) {
        const { state, release } = ctx.concurrency.enter(run.job.name);
        const recorded = run.recorded ?? ctx.ledger.scheduledStart(run.execution);
        const ended = ctx.intake.expect(run.job, run.execution, recorded);
        const first = this.#follow(run.execution, handles[i++] as DispatchHandle, ended);
        void this.#attempts(run.job, run.t, state, first).then((ok) => {
          release();
          group.ok &&= ok;
          if (--group.pending === 0) this.#onTriggerDone(run.job, group.ok);
        });
      }
    }
  }

  /**
   * Carries on a trigger from an execution of it found in the store when the term started: waits for
   * a running one to be reported finished, or retries a failed one whose retry was not made.
   */
  resume(job: Job, execution: Execution): void {
    const ctx = this.#ctx;
    const t: Trigger = {
      group: execution.group,
      scheduledAt: execution.scheduled_at === null ? null : Date.parse(execution.scheduled_at),
    };
    const { state, release } = ctx.concurrency.enter(job.name);
    let ended: Promise<Execution>;
    if (execution.status === 'running') {
      ended = ctx.intake.expect(job, execution, Promise.resolve());
      // Aborting a run on another node needs the cluster's dispatcher; until it reports, it counts.
      ctx.concurrency.track(execution.id, job.name, { abort() {} }, ended);
    } else {
      ended = Promise.resolve(execution);
    }
    const at = execution.status === 'running' ? undefined : Date.parse(execution.finished_at);
    void this.#attempts(job, t, state, ended, at).then((ok) => {
      release();
      this.#onTriggerDone(job, ok);
    });
  }

  /** Follows a dispatched execution: a refused dispatch ends it as failed, with the reason. */
  #follow(execution: Execution, handle: DispatchHandle, ended: Promise<Execution>): Promise<Execution> {
    const ctx = this.#ctx;
    ctx.concurrency.track(execution.id, execution.job_name, handle, ended);
    if (!handle.accepted) {
      const reason = handle.reason ?? 'refused';
      ctx.logger.warn('dispatch refused', { job: execution.job_name, node: execution.node_name, reason });
      void ctx.intake.finished({
        execution: {
          ...execution,
          status: 'failed',
          success: false,
          finished_at: rfc3339(ctx.clock.now()),
          output: `dispatch refused: ${reason}\n`,
        },
      });
    }
    return ended;
  }

  #retryNode(job: Job, node: string): string {
    return retryNodeOf(job, node, this.#ctx.cluster.candidates(), this.#ctx.random);
  }

  /** The loop of one trigger on one node: attempt, then retry while it fails and retries are left. */
  async #attempts(
    first: Job,
    t: Trigger,
    state: TriggerState,
    firstEnded: Promise<Execution>,
    firstAt?: number,
  ): Promise<boolean> {
    let job = first;
    let ended = firstEnded;
    let at = firstAt;
    for (;;) {
      const outcome = await ended;
      const next = await this.#retry(t, state, { job, outcome, at: at ?? this.#ctx.clock.now() });
      if (next === 'handed-over') return false;
      if (next === undefined) {
        notify(this.#ctx, 'finished', job, outcome);
        return outcome.status === 'success';
      }
      ({ job, ended } = next);
      at = undefined;
    }
  }

  /**
   * The next attempt after a failure, dispatched; `undefined` when none follows, `handed-over` when
   * the term ended while it waited (the next leader finds the failure in the store).
   */
  async #retry(
    t: Trigger,
    state: TriggerState,
    failure: Failure,
  ): Promise<{ job: Job; ended: Promise<Execution> } | undefined | 'handed-over'> {
    const ctx = this.#ctx;
    const { job, outcome } = failure;
    const attempt = outcome.attempt;
    // A lost attempt (its node went silent) is retried as a failed one, on another node if need be.
    const retryable = outcome.status === 'failed' || outcome.status === 'lost';
    if (!retryable || attempt >= job.retries + 1 || ctx.stopped() || state.cancelled) {
      return undefined;
    }
    const delay = retryDelay(job, attempt, failure.at - Date.parse(outcome.started_at));
    ctx.logger.info('retrying failed execution', { job: job.name, attempt: attempt + 1, delayMs: delay });
    if (!(await ctx.sleep(failure.at + delay - ctx.clock.now()))) return 'handed-over';
    const current = await ctx.store.getJob(job.name).catch(() => undefined);
    // A job deleted or disabled meanwhile, a replacing run or shutdown ends the retries.
    if (!current || current.disabled || state.cancelled || ctx.stopped()) {
      ctx.logger.info('retries stopped', { job: job.name, attempt });
      return undefined;
    }
    // A lost attempt whose node reported its own end meanwhile (it was not gone): that end decides.
    if (outcome.status === 'lost' && (await this.#reportedAfterAll(outcome))) return undefined;
    const execution = this.newExecution(current, t, attempt + 1, this.#retryNode(current, outcome.node_name));
    const recorded = ctx.ledger.start(execution);
    try {
      await recorded;
    } catch (err) {
      ctx.logger.error('could not record a retry; retries stopped', { job: job.name, err: String(err) });
      return undefined;
    }
    const ended = ctx.intake.expect(current, execution, recorded);
    const [handle] = ctx.dispatcher.dispatch([{ job: current, execution }]);
    return { job: current, ended: this.#follow(execution, handle as DispatchHandle, ended) };
  }

  /** Whether the node of a `lost` attempt reported after all that it ended in a way not retried. */
  async #reportedAfterAll(lost: Execution): Promise<boolean> {
    const stored = await this.#ctx.store.getExecution(lost.job_name, lost.id).catch(() => undefined);
    if (!stored || stored.status === 'lost' || stored.status === 'failed') return false;
    this.#ctx.logger.info('no retry: the lost attempt reported its end after all', {
      job: lost.job_name,
      execution: lost.id,
      status: stored.status,
    });
    return true;
  }
}

/** Where a retry runs: where the attempt ran, unless that node is gone and the job's tags select another. */
export function retryNodeOf(
  job: Job,
  node: string,
  candidates: readonly ClusterCandidate[],
  random: () => number,
): string {
  if (candidates.some((c) => c.name === node && c.alive)) return node;
  const others = candidates.filter((c) => c.name !== node && c.alive);
  return selectTargets(job.tags, others, random)[0]?.name ?? node;
}

/** When the retry after a failed `attempt` is due, after the attempt ran `elapsedMs`. */
export function retryDelay(job: Job, attempt: number, elapsedMs: number): number {
  if (job.retry_backoff !== '') {
    const base = safeDuration(job.retry_backoff, 0);
    const cap =
      job.retry_backoff_max === ''
        ? MAX_RETRY_DELAY_MS
        : safeDuration(job.retry_backoff_max, MAX_RETRY_DELAY_MS);
    return Math.min(base * 2 ** (attempt - 1), cap);
  }
  // Dkron's formula: floor(log2(elapsed / 500ms) + attempt) × 500ms.
  const steps = Math.floor(Math.log2(Math.max(elapsedMs, 1) / 500) + attempt);
  return Math.min(Math.max(steps, 0) * 500, MAX_RETRY_DELAY_MS);
}

function safeDuration(text: string, fallback: number): number {
  try {
    return parseGoDuration(text);
  } catch {
    return fallback;
  }
}
