import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import type { ExecutionReports, FinishedReport } from '../../ports/execution-reports.js';
import type { ExecutionCompletion } from '../../ports/store.js';
import type { LaunchLedger } from './launch-ledger.js';
import type { UnwrittenRecords } from './unwritten-records.js';

/** The leader's side of the reports port, plus what the leader waits on. */
export interface ReportIntake extends ExecutionReports {
  /**
   * The leader dispatches `execution`, whose running record `recorded` writes: resolves with the
   * execution as it ended, once its completion is recorded (never before its running record).
   */
  expect(job: Job, execution: Execution, recorded: Promise<void>): Promise<Execution>;
}

/** Options of {@link createReportIntake}. */
export interface ReportIntakeOptions {
  readonly ledger: LaunchLedger;
  readonly logger: Logger;
  /** Where refused running records and completions wait to be written again. */
  readonly unwritten: UnwrittenRecords;
  /** Called when the node reports that the executor of an expected execution was called. */
  readonly onStarted?: (job: Job, execution: Execution) => void;
  /**
   * The stored execution, to check the end of a run this process did not dispatch (a late report after a
   * failover or a restart): one never launched, or launched on another node, is refused. Without it
   * every report is taken.
   */
  readonly lookup?: (job: string, id: string) => Promise<Execution | undefined>;
}

interface Expected {
  readonly job: Job;
  readonly recorded: Promise<void>;
  resolve(execution: Execution): void;
}

/** Finished ids remembered so that a repeated report changes nothing. */
const REMEMBERED_IDS = 50_000;

/**
 * Records what nodes report: each completion once (a repeated or late `finished` is ignored, or,
 * arriving at a new leader, only recorded: the store closes an execution once), and hands the end of
 * an expected execution to the leader. A node's own end of a run recorded `lost` (its node was thought
 * gone) replaces that record; the end of a run never launched (on that node) is refused and logged.
 */
export function createReportIntake(options: ReportIntakeOptions): ReportIntake {
  const { ledger, logger, unwritten } = options;
  const expected = new Map<string, Expected>();
  /** Ends taken, by id, and whether the one taken is a `lost` record (which the node's own end replaces). */
  const finished = new Map<string, { done: Promise<void>; lost: boolean }>();

  /** Why the end of `execution`, which this process did not dispatch, is refused; `undefined`: taken. */
  async function refusal(execution: Execution): Promise<string | undefined> {
    if (!options.lookup || ledger.holdsStart(execution.id) || unwritten.holdsStart(execution.id))
      return undefined;
    const stored = await options.lookup(execution.job_name, execution.id);
    if (!stored) return 'no such execution is stored (never launched, or its job was deleted)';
    if (stored.node_name !== execution.node_name) return `it was launched on ${stored.node_name}`;
    return undefined;
  }

  async function record(report: FinishedReport): Promise<void> {
    const execution = report.execution;
    const waiting = expected.get(execution.id);
    expected.delete(execution.id);
    const refused = waiting ? undefined : await refusal(execution);
    if (refused !== undefined) {
      logger.warn('refused the end of an execution', {
        job: execution.job_name,
        execution: execution.id,
        node: execution.node_name,
        reason: refused,
      });
      return;
    }
    // Nothing that ran goes unrecorded: a refused completion (or one whose running record is still
    // refused) is kept and retried until the store takes it.
    // A running record still held is written with the completion, as one row: nothing to wait for.
    const startStored =
      waiting && !ledger.holdsStart(execution.id)
        ? await waiting.recorded.then(
            () => true,
            () => false,
          )
        : true;
    if (execution.status !== 'running') {
      const completion: ExecutionCompletion = {
        jobName: execution.job_name,
        executionId: execution.id,
        status: execution.status,
        finishedAt: execution.finished_at,
        output: execution.output,
        // The node's own end is the truth about its run: it replaces a `lost` guess made without it.
        ...(execution.status === 'lost' ? {} : { replacesLost: true }),
      };
      if (!startStored || unwritten.holdsStart(execution.id)) unwritten.keepCompletion(completion);
      else {
        try {
          await ledger.complete(completion);
        } catch (err) {
          logger.error('store write failed', { err: String(err) });
          unwritten.keepCompletion(completion);
        }
      }
    }
    waiting?.resolve(execution);
  }

  return {
    expect(job, execution, recorded) {
      // A refused running record is kept and retried (the run goes on: its process started or starts now).
      recorded.catch((err: unknown) => {
        logger.error('store write failed', { err: String(err) });
        unwritten.keepStart(execution);
      });
      return new Promise<Execution>((resolve) => expected.set(execution.id, { job, recorded, resolve }));
    },
    started(execution) {
      // A start reported late (to a new leader) needs nothing: the running record is written.
      const waiting = expected.get(execution.id);
      if (waiting) options.onStarted?.(waiting.job, execution);
    },
    // The node keeps the live tail for followers; the store keeps the final output only.
    output() {},
    finished(report) {
      const id = report.execution.id;
      const lost = report.execution.status === 'lost';
      const seen = finished.get(id);
      // Taken already, unless what was taken is a `lost` record and this is the node's own end.
      if (seen && (lost || !seen.lost)) return seen.done;
      const done = seen ? seen.done.then(() => record(report)) : record(report);
      finished.delete(id);
      finished.set(id, { done, lost });
      if (finished.size > REMEMBERED_IDS) finished.delete(finished.keys().next().value as string);
      return done;
    },
  };
}
