import { DkronError, isDkronError, type Job, type Logger } from '@dkron-core/plugin-api';
import type { RestoreOptions, RestoreResult, RunOptions, SaveJobInputOptions } from '../../ports/agent.js';
import type { Store } from '../../ports/store.js';
import { checkParentChange, type DagJob, restoreOrder } from '../dag/index.js';
import { toJob, updateJobConditionally, validateJob } from '../job/index.js';
import { nextString } from '../leader/launch-planner.js';
import { firstSlot, type Placement } from '../leader/schedule-table.js';
import type { PluginRegistry } from '../plugins/index.js';

/**
 * The schedule as the job service sees it: the leader's, when this node leads. In a cluster a save on
 * another node reaches the leader through the store (the leader reloads at its term's start) and the
 * cluster port.
 */
export interface ScheduleFeed {
  /** Where the schedule would put a job saved now; `undefined` when this node does not schedule. */
  place(job: Job): Placement | undefined;
  /** A job was stored: its next fire time, or `'not-here'` when this node does not schedule. */
  saved(job: Job, placement: Placement | undefined): number | undefined | 'not-here';
  deleted(name: string): void;
  /** Runs a job now; rejects when this node does not lead. */
  runNow(job: Job, force: boolean): Promise<void>;
}

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

function hasExecutor(registry: PluginRegistry, name: string): boolean {
  return registry.catalog().executors.some((e) => e.name === name);
}

export function createJobService(options: JobServiceOptions): JobService {
  const { store, registry, logger, schedule } = options;

  function validate(input: unknown): Job {
    const job = toJob(input);
    validateJob(job, {
      defaultTimezone: options.defaultTimezone,
      validateExecutorConfig: (executor, config) => {
        // Only another member has it: that member checks the config when it runs the job.
        if (options.remoteExecutors?.().has(executor) && !hasExecutor(registry, executor)) return;
        registry.validateExecutorConfig(executor, config);
      },
      validateProcessors: (processors) => registry.validateProcessors(processors),
    });
    return job;
  }

  /** Validates job `i` of a restore file; an error names the entry (`[i].field`) so that it can be found. */
  function validateEntry(input: unknown, i: number): Job {
    try {
      return validate(input);
    } catch (err) {
      if (!isDkronError(err)) throw err;
      const field = typeof err.details.field === 'string' ? err.details.field : '';
      throw new DkronError(err.code, `job ${i}: ${err.message}`, {
        details: { ...err.details, field: field === '' ? `[${i}]` : `[${i}].${field}` },
        cause: err,
      });
    }
  }

  /** Dkron's parent rules (the parent exists, no cycle) over the stored ancestors of the new parent. */
  async function checkParent(job: Job): Promise<void> {
    if (job.parent_job === '') return;
    const ancestors: DagJob[] = [];
    const seen = new Set<string>([job.name]);
    for (let name = job.parent_job; name !== '' && !seen.has(name); ) {
      seen.add(name);
      const stored = await store.getJob(name);
      if (!stored) break;
      ancestors.push(stored);
      name = stored.parent_job;
    }
    checkParentChange(ancestors, job.name, job.parent_job);
  }

  async function saveValidated(job: Job, expectedVersion?: number): Promise<Job> {
    await checkParent(job);
    // A new job is stored with its first `next` (one write); an update keeps the stored one unless its
    // schedule changed, and is patched below when it differs.
    const placement = schedule.place(job);
    const stored = await store.saveJob(
      placement === undefined ? job : { ...job, next: nextString(firstSlot(placement)) },
      expectedVersion === undefined ? undefined : { expectedVersion },
    );
    void registry.emit('job:saved', { job: stored });
    const next = schedule.saved(
      stored,
      placement !== undefined && sameScheduling(stored, job) ? placement : undefined,
    );
    if (next === 'not-here') return stored;
    const nextText = nextString(next);
    if (stored.next !== nextText && stored.parent_job === '') {
      await store.patchJob(stored.name, { next: nextText });
      return { ...stored, next: nextText };
    }
    return stored;
  }

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

    async restore(input, restoreOptions) {
      if (!Array.isArray(input)) {
        throw new DkronError('VALIDATION', 'file: expected a JSON array of jobs', {
          details: { field: 'file' },
        });
      }
      const jobs = input.map((raw, i) => validateEntry(raw, i));
      const posted = new Map(jobs.map((job, i) => [job.name, input[i] as unknown]));
      const from = restoreOptions?.from;
      const save = (job: Job) =>
        from === undefined
          ? saveValidated(job)
          : updateJobConditionally(
              store,
              job.name,
              async (current) => validate(await from(posted.get(job.name), current)),
              saveValidated,
            );
      const ordered = restoreOrder(jobs);
      const failed = new Set<string>();
      const result: RestoreResult = [];
      for (const job of ordered) {
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
    },
  };
}

/** Whether two versions of a job are scheduled the same way. */
function sameScheduling(a: Job, b: Job): boolean {
  return (
    a.schedule === b.schedule &&
    a.timezone === b.timezone &&
    a.disabled === b.disabled &&
    a.parent_job === b.parent_job &&
    a.starts_at === b.starts_at &&
    a.catchup_window === b.catchup_window
  );
}
