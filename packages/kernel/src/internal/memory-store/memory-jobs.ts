import { DkronError, type Job } from '@dkron-core/plugin-api';
import type { JobPage, JobQuery, JobRuntimePatch, Store } from '../../ports/store.js';
import { mergeJobUpdate, versionConflict } from '../job/index.js';
import { queryJobs } from './job-query.js';
import { childrenIndex, copy, type MemoryState, view } from './memory-state.js';

/** The job methods of the memory store. */
export type MemoryJobs = Pick<
  Store,
  'getJob' | 'listJobs' | 'allJobs' | 'readJob' | 'saveJob' | 'patchJob' | 'deleteJob' | 'deleteExecutions'
>;

function notFound(name: string): DkronError {
  return new DkronError('NOT_FOUND', `job not found: ${name}`, { details: { job: name } });
}

/** Jobs in `state`: reads, saves with Dkron's merge rules and versions, run-time patches, deletes. */
export function memoryJobs(state: MemoryState): MemoryJobs {
  const { jobs, versions, executions, launches } = state;
  return {
    async getJob(name) {
      const job = jobs.get(name);
      return job === undefined ? undefined : view(state, job);
    },

    async listJobs(query: JobQuery): Promise<JobPage> {
      const page = queryJobs([...jobs.values()], query);
      const index = childrenIndex(state);
      return { jobs: page.jobs.map((job) => view(state, job, index)), total: page.total };
    },

    async allJobs() {
      const index = childrenIndex(state);
      return [...jobs.values()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((job) => view(state, job, index));
    },

    async readJob(name) {
      const job = jobs.get(name);
      return job === undefined ? undefined : { job: view(state, job), version: versions.get(name) ?? 1 };
    },

    async saveJob(job, options) {
      const stored = versions.get(job.name);
      const expected = options?.expectedVersion;
      if (expected !== undefined && expected !== (stored ?? 0))
        throw versionConflict(job.name, expected, stored);
      if (job.parent_job !== '' && !jobs.has(job.parent_job)) {
        throw new DkronError('NOT_FOUND', 'specified parent job not found', {
          details: { field: 'parent_job', job: job.name },
        });
      }
      jobs.set(job.name, copy(mergeJobUpdate(jobs.get(job.name), job)));
      versions.set(job.name, (stored ?? 0) + 1);
      return view(state, jobs.get(job.name) as Job);
    },

    async patchJob(name, patch: JobRuntimePatch) {
      const job = jobs.get(name);
      if (job === undefined) return;
      jobs.set(name, {
        ...job,
        ...(patch.next === undefined ? {} : { next: patch.next }),
        ...(patch.status === undefined ? {} : { status: patch.status }),
        missed_count: job.missed_count + (patch.missedIncrement ?? 0),
      });
    },

    async deleteJob(name) {
      const job = jobs.get(name);
      if (job === undefined) throw notFound(name);
      if (childrenIndex(state).has(name)) {
        throw new DkronError(
          'CONFLICT',
          'store: could not delete job with dependent jobs, delete children first',
          {
            details: { job: name },
          },
        );
      }
      const deleted = view(state, job);
      jobs.delete(name);
      versions.delete(name);
      executions.delete(name);
      for (const [key, intent] of launches) if (intent.job === name) launches.delete(key);
      return deleted;
    },

    async deleteExecutions(name) {
      const job = jobs.get(name);
      if (job === undefined) throw notFound(name);
      executions.delete(name);
      for (const [key, intent] of launches) if (intent.job === name) state.cleared.add(key);
      jobs.set(name, { ...job, success_count: 0, error_count: 0, last_success: null, last_error: null });
      return view(state, jobs.get(name) as Job);
    },
  };
}
