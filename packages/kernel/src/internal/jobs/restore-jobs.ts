import { DkronError, type Job, type Logger } from '@dkron-core/plugin-api';
import type { RestoreOptions, RestoreResult } from '../../ports/agent.js';
import type { Store } from '../../ports/store.js';
import { restoreOrder } from '../dag/index.js';
import { updateJobConditionally } from '../job/index.js';
import { validateEntry } from './validate-input.js';

/** What a restore uses: the job service's validation and save. */
export interface RestoreDeps {
  readonly store: Store;
  readonly logger: Logger;
  validate(input: unknown): Job;
  save(job: Job, expectedVersion?: number): Promise<Job>;
}

/**
 * `POST /v1/restore`: validates every entry first (one bad entry refuses the file), then saves the jobs
 * parents first; a job whose parent failed fails too. One line per job, as Dkron answers.
 */
export async function restoreJobs(
  deps: RestoreDeps,
  input: unknown,
  options?: RestoreOptions,
): Promise<RestoreResult> {
  const { store, logger, validate, save: saveValidated } = deps;
  if (!Array.isArray(input)) {
    throw new DkronError('VALIDATION', 'file: expected a JSON array of jobs', {
      details: { field: 'file' },
    });
  }
  const jobs = input.map((raw, i) => validateEntry(validate, raw, i));
  const posted = new Map(jobs.map((job, i) => [job.name, input[i] as unknown]));
  const from = options?.from;
  const save = (job: Job) =>
    from === undefined
      ? saveValidated(job)
      : updateJobConditionally(
          store,
          job.name,
          async (current) => validate(await from(posted.get(job.name), current)),
          saveValidated,
        );
  const failed = new Set<string>();
  const result: RestoreResult = [];
  for (const job of restoreOrder(jobs)) {
    if (job.parent_job !== '' && failed.has(job.parent_job)) {
      failed.add(job.name);
      continue;
    }
    try {
      await save(job);
      result.push(`success create ${job.name}`);
    } catch (err) {
      failed.add(job.name);
      result.push(`fail create ${job.name}`);
      logger.warn('restore: job failed', { job: job.name, err: String(err) });
    }
  }
  return result;
}
