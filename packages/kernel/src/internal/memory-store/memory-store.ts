/**
 * The Store port in memory: for unit tests of the kernel and the API, and for `dev` runs. It follows the
 * port's documented semantics exactly (the shared contract suite, `@dkron-core/store-testing`, checks it against
 * the rqlite store). Every method works on copies, so callers can never alter stored state in place.
 */

import { DkronError, type Execution, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import type {
  DayStats,
  ExecutionCompletion,
  ExecutionQuery,
  JobPage,
  JobQuery,
  JobRuntimePatch,
  LaunchIntent,
  Store,
} from '../../ports/store.js';
import {
  computeStatus,
  laterTime,
  mergeJobUpdate,
  msToTime,
  timeToNanos,
  versionConflict,
} from '../job/index.js';
import { queryJobs } from './job-query.js';
import { createMemoryLeases } from './lease.js';
import { tailBytes } from './output-tail.js';

const DAY_MS = 86_400_000;

interface DayCount {
  success: number;
  failed: number;
}

const copy = <T>(value: T): T => structuredClone(value);
const nanos = (time: string): bigint => timeToNanos(time) ?? 0n;
const launchKey = (job: string, scheduledAt: number): string => `${job}\u0000${scheduledAt}`;

function notFound(name: string): DkronError {
  return new DkronError('NOT_FOUND', `job not found: ${name}`, { details: { job: name } });
}

// Sort keys of executions; ties are broken by id so that every order is total.
function executionKey(execution: Execution, field: ExecutionQuery['sort']): bigint | number {
  if (field === 'attempt') return execution.attempt;
  return nanos(field === 'finished_at' ? execution.finished_at : execution.started_at);
}

function byStartThenId(a: Execution, b: Execution): number {
  const diff = nanos(a.started_at) - nanos(b.started_at);
  return diff !== 0n ? (diff < 0n ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Creates an empty in-memory {@link Store}. */
/** The memory store: a {@link Store} plus the grant of leader epochs that fences stale launches. */
export interface MemoryStore extends Store {
  /**
   * A leader of `epoch` was elected (what rqlite's leader row records): from now on, launch intents
   * of older epochs write nothing. Epochs only move forward.
   */
  grantEpoch(epoch: number): void;
}

export function createMemoryStore(): MemoryStore {
  const jobs = new Map<string, Job>();
  /** Definition revision of each job (see VersionedJob). */
  const versions = new Map<string, number>();
  const executions = new Map<string, Map<string, Execution>>();
  const launches = new Map<string, LaunchIntent>();
  let granted = 0;
  const { epoch: leaseEpoch, ...leases } = createMemoryLeases();
  const days = new Map<string, DayCount>();

  // Parent name → children names, sorted; built once per read so listing n jobs stays O(n log n).
  function childrenIndex(): Map<string, string[]> {
    const index = new Map<string, string[]>();
    for (const job of jobs.values()) {
      if (job.parent_job === '') continue;
      const siblings = index.get(job.parent_job);
      if (siblings === undefined) index.set(job.parent_job, [job.name]);
      else siblings.push(job.name);
    }
    for (const names of index.values()) names.sort();
    return index;
  }

  // The stored job as served: dependent_jobs derived from the children (null when none).
  function view(job: Job, index = childrenIndex()): Job {
    return copy({ ...job, dependent_jobs: index.get(job.name) ?? null });
  }

  function executionsOf(job: string): Map<string, Execution> {
    let map = executions.get(job);
    if (map === undefined) {
      map = new Map();
      executions.set(job, map);
    }
    return map;
  }

  function trim(job: string, retain: number): void {
    const map = executions.get(job);
    if (map === undefined || map.size <= retain) return;
    const oldestFirst = [...map.values()].sort(byStartThenId);
    for (const execution of oldestFirst.slice(0, map.size - retain)) map.delete(execution.id);
  }

  function countDay(finishedAt: string, success: boolean): void {
    const ms = Number(nanos(finishedAt) / 1_000_000n);
    const day = msToTime(Math.floor(ms / DAY_MS) * DAY_MS);
    const count = days.get(day) ?? { success: 0, failed: 0 };
    if (success) count.success++;
    else count.failed++;
    days.set(day, count);
  }

  function finishOne(completion: ExecutionCompletion): void {
    const job = jobs.get(completion.jobName);
    const map = executions.get(completion.jobName);
    const running = map?.get(completion.executionId);
    // Only the move out of `running` counts: a repeated or unknown completion changes nothing.
    if (job === undefined || map === undefined || running === undefined || running.status !== 'running')
      return;
    const success = completion.status === 'success';
    map.set(running.id, {
      ...running,
      status: completion.status,
      success,
      finished_at: completion.finishedAt,
      output: completion.output,
    });
    const group = [...map.values()].filter((e) => e.group === running.group);
    jobs.set(job.name, {
      ...job,
      success_count: job.success_count + (success ? 1 : 0),
      error_count: job.error_count + (success ? 0 : 1),
      last_success: success ? laterTime(job.last_success, completion.finishedAt) : job.last_success,
      last_error: success ? job.last_error : laterTime(job.last_error, completion.finishedAt),
      status: computeStatus(group),
    });
    countDay(completion.finishedAt, success);
  }

  return {
    ...leases,
    async jobVersions() {
      return new Map(versions);
    },
    async getJob(name) {
      const job = jobs.get(name);
      return job === undefined ? undefined : view(job);
    },

    async listJobs(query: JobQuery): Promise<JobPage> {
      const page = queryJobs([...jobs.values()], query);
      const index = childrenIndex();
      return { jobs: page.jobs.map((job) => view(job, index)), total: page.total };
    },

    async allJobs() {
      const index = childrenIndex();
      return [...jobs.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((job) => view(job, index));
    },

    async readJob(name) {
      const job = jobs.get(name);
      return job === undefined ? undefined : { job: view(job), version: versions.get(name) ?? 1 };
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
      return view(jobs.get(job.name) as Job);
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
      if (childrenIndex().has(name)) {
        throw new DkronError(
          'CONFLICT',
          'store: could not delete job with dependent jobs, delete children first',
          {
            details: { job: name },
          },
        );
      }
      const deleted = view(job);
      jobs.delete(name);
      versions.delete(name);
      executions.delete(name);
      for (const [key, intent] of launches) if (intent.job === name) launches.delete(key);
      return deleted;
    },

    grantEpoch(epoch) {
      granted = Math.max(granted, epoch);
    },

    async recordLaunches(intents) {
      const inserted: LaunchIntent[] = [];
      for (const intent of intents) {
        const key = launchKey(intent.job, intent.scheduledAt);
        const job = jobs.get(intent.job);
        if (launches.has(key) || job === undefined || intent.epoch < Math.max(granted, leaseEpoch()))
          continue;
        launches.set(key, copy(intent));
        jobs.set(job.name, { ...job, next: intent.next === null ? ZERO_TIME : msToTime(intent.next) });
        inserted.push(copy(intent));
      }
      return inserted;
    },

    async releaseLaunches(released) {
      const earliest = new Map<string, number>();
      for (const { job, scheduledAt } of released) {
        if (!launches.delete(launchKey(job, scheduledAt))) continue;
        earliest.set(job, Math.min(earliest.get(job) ?? Number.POSITIVE_INFINITY, scheduledAt));
      }
      for (const [name, slot] of earliest) {
        const job = jobs.get(name);
        if (job !== undefined) jobs.set(name, { ...job, next: msToTime(slot) });
      }
    },

    async lastLaunches() {
      const latest = new Map<string, number>();
      for (const intent of launches.values()) {
        latest.set(
          intent.job,
          Math.max(latest.get(intent.job) ?? Number.NEGATIVE_INFINITY, intent.scheduledAt),
        );
      }
      return latest;
    },

    async startExecutions(started, retain) {
      if (!Number.isInteger(retain) || retain < 1) {
        throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${retain}`, {
          details: { field: 'retain' },
        });
      }
      const touched = new Set<string>();
      for (const execution of started) {
        if (!jobs.has(execution.job_name)) continue;
        const map = executionsOf(execution.job_name);
        // Idempotent on id: a retried write must not reset an execution that already moved on.
        if (!map.has(execution.id)) map.set(execution.id, copy(execution));
        touched.add(execution.job_name);
      }
      for (const job of touched) {
        trim(job, retain);
        const stored = jobs.get(job);
        const running = [...executionsOf(job).values()].some((e) => e.status === 'running');
        if (stored && running) jobs.set(job, { ...stored, status: 'running' });
      }
    },

    async finishExecutions(completions) {
      for (const completion of completions) finishOne(completion);
    },

    async listExecutions(job, query: ExecutionQuery) {
      const direction = query.order === 'ASC' ? 1 : -1;
      if (query.retain !== undefined && (!Number.isInteger(query.retain) || query.retain < 1)) {
        throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${query.retain}`, {
          details: { field: 'retain' },
        });
      }
      const kept = [...(executions.get(job)?.values() ?? [])].sort(byStartThenId);
      const retained =
        query.retain === undefined ? kept : kept.slice(Math.max(0, kept.length - query.retain));
      const all = retained.sort((a, b) => {
        const ka = executionKey(a, query.sort);
        const kb = executionKey(b, query.sort);
        return direction * (ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      });
      const start = Math.max(0, Math.trunc(query.start ?? 0));
      const end = Math.min(all.length, Math.trunc(query.end ?? all.length));
      const limit = query.outputSizeLimit;
      const page = all.slice(start, Math.max(start, end)).map((execution) => {
        if (limit === undefined || limit < 0) return copy(execution);
        const tail = tailBytes(execution.output, limit);
        return { ...copy(execution), output: tail.text, output_truncated: tail.truncated };
      });
      return { executions: page, total: all.length };
    },

    async getExecution(job, id) {
      const execution = executions.get(job)?.get(id);
      return execution === undefined ? undefined : copy(execution);
    },

    async runningExecutions(job) {
      const maps = job === undefined ? [...executions.values()] : [executions.get(job) ?? new Map()];
      return maps
        .flatMap((map) => [...map.values()])
        .filter((execution) => execution.status === 'running')
        .sort(byStartThenId)
        .map(copy);
    },

    async deleteExecutions(name) {
      const job = jobs.get(name);
      if (job === undefined) throw notFound(name);
      executions.delete(name);
      jobs.set(name, { ...job, success_count: 0, error_count: 0, last_success: null, last_error: null });
      return view(jobs.get(name) as Job);
    },

    async stats(count, now) {
      const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
      const out: DayStats[] = [];
      for (let i = Math.floor(count) - 1; i >= 0; i--) {
        const date = msToTime(today - i * DAY_MS);
        const day = days.get(date);
        out.push({ date, success_count: day?.success ?? 0, failed_count: day?.failed ?? 0 });
      }
      return out;
    },

    async close() {},
  };
}
