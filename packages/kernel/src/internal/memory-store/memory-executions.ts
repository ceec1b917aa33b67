import { DkronError, type Execution, ZERO_TIME } from '@dkron-core/plugin-api';
import {
  completionOf,
  type DayStats,
  type ExecutionCompletion,
  type ExecutionQuery,
  type Store,
} from '../../ports/store.js';
import { computeStatus, laterTime, msToTime } from '../job/index.js';
import { byStartThenId, copy, type MemoryState, nanos } from './memory-state.js';
import { tailBytes } from './output-tail.js';

/** The execution methods of the memory store. */
export type MemoryExecutions = Pick<
  Store,
  | 'startExecutions'
  | 'finishExecutions'
  | 'recordFinishedExecutions'
  | 'listExecutions'
  | 'getExecution'
  | 'runningExecutions'
  | 'stats'
>;

const DAY_MS = 86_400_000;

// Sort keys of executions; ties are broken by id so that every order is total.
function executionKey(execution: Execution, field: ExecutionQuery['sort']): bigint | number {
  if (field === 'attempt') return execution.attempt;
  return nanos(field === 'finished_at' ? execution.finished_at : execution.started_at);
}

function checkRetain(retain: number): void {
  if (!Number.isInteger(retain) || retain < 1) {
    throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${retain}`, {
      details: { field: 'retain' },
    });
  }
}

function executionsOf(state: MemoryState, job: string): Map<string, Execution> {
  let map = state.executions.get(job);
  if (map === undefined) {
    map = new Map();
    state.executions.set(job, map);
  }
  return map;
}

function trim(state: MemoryState, job: string, retain: number): void {
  const map = state.executions.get(job);
  if (map === undefined || map.size <= retain) return;
  const oldestFirst = [...map.values()].sort(byStartThenId);
  for (const execution of oldestFirst.slice(0, map.size - retain)) map.delete(execution.id);
}

function countDay(state: MemoryState, finishedAt: string, success: boolean, by = 1): void {
  const ms = Number(nanos(finishedAt) / 1_000_000n);
  const day = msToTime(Math.floor(ms / DAY_MS) * DAY_MS);
  const count = state.days.get(day) ?? { success: 0, failed: 0 };
  if (success) count.success += by;
  else count.failed += by;
  state.days.set(day, count);
}

/** Takes a `lost` record out of the counts and reopens it, for the node's own report to close it. */
function reopenLost(state: MemoryState, completion: ExecutionCompletion): void {
  if (!completion.replacesLost || completion.status === 'lost') return;
  const job = state.jobs.get(completion.jobName);
  const map = state.executions.get(completion.jobName);
  const lost = map?.get(completion.executionId);
  if (job === undefined || map === undefined || lost?.status !== 'lost') return;
  state.jobs.set(job.name, { ...job, error_count: job.error_count - 1 });
  countDay(state, lost.finished_at, false, -1);
  map.set(lost.id, { ...lost, status: 'running', success: false });
}

function finishOne(state: MemoryState, completion: ExecutionCompletion): void {
  reopenLost(state, completion);
  const job = state.jobs.get(completion.jobName);
  const map = state.executions.get(completion.jobName);
  const running = map?.get(completion.executionId);
  // Only the move out of `running` counts: a repeated or unknown completion changes nothing.
  if (job === undefined || map === undefined || running === undefined || running.status !== 'running') return;
  const success = completion.status === 'success';
  map.set(running.id, {
    ...running,
    status: completion.status,
    success,
    finished_at: completion.finishedAt,
    output: completion.output,
  });
  const group = [...map.values()].filter((e) => e.group === running.group);
  state.jobs.set(job.name, {
    ...job,
    success_count: job.success_count + (success ? 1 : 0),
    error_count: job.error_count + (success ? 0 : 1),
    last_success: success ? laterTime(job.last_success, completion.finishedAt) : job.last_success,
    last_error: success ? job.last_error : laterTime(job.last_error, completion.finishedAt),
    status: computeStatus(group),
  });
  countDay(state, completion.finishedAt, success);
}

/** A job's executions as `query` asks: retained, sorted, sliced, outputs cut to their tail. */
function listExecutions(state: MemoryState, job: string, query: ExecutionQuery) {
  const direction = query.order === 'ASC' ? 1 : -1;
  if (query.retain !== undefined) checkRetain(query.retain);
  const kept = [...(state.executions.get(job)?.values() ?? [])].sort(byStartThenId);
  const retained = query.retain === undefined ? kept : kept.slice(Math.max(0, kept.length - query.retain));
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
}

/** Executions in `state`: starts with retention, completions counted once, queries and day stats. */
export function memoryExecutions(state: MemoryState): MemoryExecutions {
  const { jobs, executions, days } = state;
  const store: Required<MemoryExecutions> = {
    async startExecutions(started, retain) {
      checkRetain(retain);
      const touched = new Set<string>();
      for (const execution of started) {
        if (!jobs.has(execution.job_name)) continue;
        const map = executionsOf(state, execution.job_name);
        // Idempotent on id: a retried write must not reset an execution that already moved on.
        if (!map.has(execution.id)) map.set(execution.id, copy(execution));
        touched.add(execution.job_name);
      }
      for (const job of touched) {
        trim(state, job, retain);
        const stored = jobs.get(job);
        const running = [...executionsOf(state, job).values()].some((e) => e.status === 'running');
        if (stored && running) jobs.set(job, { ...stored, status: 'running' });
      }
    },

    async finishExecutions(completions) {
      for (const completion of completions) finishOne(state, completion);
    },

    async recordFinishedExecutions(finished, retain) {
      await store.startExecutions(
        finished.map((e) => ({
          ...e,
          status: 'running',
          success: false,
          finished_at: ZERO_TIME,
          output: '',
        })),
        retain,
      );
      for (const e of finished) finishOne(state, completionOf(e));
    },

    async listExecutions(job, query) {
      return listExecutions(state, job, query);
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
  };
  return store;
}
