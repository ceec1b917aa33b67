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
 * an expected execution to the leader.
 */
export function createReportIntake(options: ReportIntakeOptions): ReportIntake {
  const { ledger, logger, unwritten } = options;
  const expected = new Map<string, Expected>();
  const finished = new Map<string, Promise<void>>();

  async function record(report: FinishedReport): Promise<void> {
    const execution = report.execution;
    const waiting = expected.get(execution.id);
    expected.delete(execution.id);
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
      const seen = finished.get(id);
      if (seen) return seen;
      const done = record(report);
      finished.set(id, done);
      if (finished.size > REMEMBERED_IDS) finished.delete(finished.keys().next().value as string);
      return done;
    },
  };
}
