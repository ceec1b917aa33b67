import { DkronError, type Job, type Logger } from '@dkron-core/plugin-api';
import type { RestoreOptions, RestoreResult, RunOptions, SaveJobInputOptions } from '../../ports/agent.js';
import type { Store } from '../../ports/store.js';
import { updateJobConditionally } from '../job/index.js';
import type { PluginRegistry } from '../plugins/index.js';
import { restoreJobs } from './restore-jobs.js';
import { saveValidatedJob } from './save-job.js';
import type { ScheduleFeed } from './schedule-feed.js';
import { validateJobInput } from './validate-input.js';

export type { ScheduleFeed } from './schedule-feed.js';

/** Options of {@link createJobService}. */
export interface JobServiceOptions {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly defaultTimezone: string;
  readonly schedule: ScheduleFeed;
  /** Executors other members provide (see `AgentOptions.remoteExecutors`). */
  readonly remoteExecutors?: () => ReadonlySet<string>;
}

/** Validation, saving, toggles, deletion, restore and run-now: what the API changes about jobs. */
export interface JobService {
  saveJob(input: unknown, options?: SaveJobInputOptions): Promise<Job>;
  deleteJob(name: string): Promise<Job>;
  toggleJob(name: string): Promise<Job>;
  runJob(name: string, options?: RunOptions): Promise<Job>;
  restore(input: unknown, options?: RestoreOptions): Promise<RestoreResult>;
  /** The stored job, or `NOT_FOUND`. */
  requireJob(name: string): Promise<Job>;
}

/**
 * Creates the job service. Its pieces: validation in validate-input.ts, the save of a validated job
 * (parent rules, `next`, the schedule) in save-job.ts, restore in restore-jobs.ts.
 */
export function createJobService(options: JobServiceOptions): JobService {
  const { store, registry, logger, schedule } = options;
  const validate = (input: unknown): Job => validateJobInput(options, input);
  const saveValidated = (job: Job, expectedVersion?: number): Promise<Job> =>
    saveValidatedJob(options, job, expectedVersion);
  const restoreDeps = { store, logger, validate, save: saveValidated };

  async function requireJob(name: string): Promise<Job> {
    const job = await store.getJob(name);
    if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
    return job;
  }

  return {
    requireJob,
    async saveJob(input, saveOptions) {
      const name = (input as { name?: unknown } | null)?.name;
      const from = saveOptions?.from;
      if (from === undefined || typeof name !== 'string') return saveValidated(validate(input));
      return updateJobConditionally(
        store,
        name,
        async (current) => validate(await from(current)),
        saveValidated,
      );
    },

    async deleteJob(name) {
      const job = await store.deleteJob(name);
      void registry.emit('job:deleted', { job });
      schedule.deleted(name);
      return job;
    },

    toggleJob(name) {
      const flip = (job: Job | undefined): Job => {
        if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
        return { ...job, disabled: !job.disabled };
      };
      return updateJobConditionally(store, name, flip, saveValidated);
    },

    async runJob(name, runOptions) {
      const job = await requireJob(name);
      if (job.disabled) {
        throw new DkronError('NOT_FOUND', `job ${name} is disabled`, { details: { job: name } });
      }
      await schedule.runNow(job, runOptions?.force === true);
      return job;
    },

    restore: (input, restoreOptions) => restoreJobs(restoreDeps, input, restoreOptions),
  };
}
