import type { Execution, Job } from '@dkron-core/plugin-api';
import type { LaunchIntent } from '../../ports/store.js';
import { timeToNanos } from '../job/index.js';

/** Successes and failures of one UTC day. */
export interface DayCount {
  success: number;
  failed: number;
}

/** Everything the memory store holds, shared by its parts (jobs, launches, executions). */
export interface MemoryState {
  readonly jobs: Map<string, Job>;
  /** Definition revision of each job (see VersionedJob). */
  readonly versions: Map<string, number>;
  readonly executions: Map<string, Map<string, Execution>>;
  readonly launches: Map<string, LaunchIntent>;
  /** Launches whose executions a user deleted: not launches without executions. */
  readonly cleared: Set<string>;
  readonly days: Map<string, DayCount>;
  /** The newest leader epoch granted: launch intents of older epochs write nothing. */
  granted: number;
  /** The epoch of the store's lease (0 before a server took it): it fences launches too. */
  readonly leaseEpoch: () => number;
}

/** A new, empty state. */
export function createMemoryState(leaseEpoch: () => number = () => 0): MemoryState {
  return {
    jobs: new Map(),
    versions: new Map(),
    executions: new Map(),
    launches: new Map(),
    cleared: new Set(),
    days: new Map(),
    granted: 0,
    leaseEpoch,
  };
}

export const copy = <T>(value: T): T => structuredClone(value);
export const nanos = (time: string): bigint => timeToNanos(time) ?? 0n;

export function byStartThenId(a: Execution, b: Execution): number {
  const diff = nanos(a.started_at) - nanos(b.started_at);
  return diff !== 0n ? (diff < 0n ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Parent name → children names, sorted; built once per read so listing n jobs stays O(n log n).
export function childrenIndex(state: MemoryState): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const job of state.jobs.values()) {
    if (job.parent_job === '') continue;
    const siblings = index.get(job.parent_job);
    if (siblings === undefined) index.set(job.parent_job, [job.name]);
    else siblings.push(job.name);
  }
  for (const names of index.values()) names.sort();
  return index;
}

// The stored job as served: dependent_jobs derived from the children (null when none).
export function view(state: MemoryState, job: Job, index = childrenIndex(state)): Job {
  return copy({ ...job, dependent_jobs: index.get(job.name) ?? null });
}

/** The key of a job's slot in the launch ledger. */
export const launchKey = (job: string, scheduledAt: number): string => `${job}\u0000${scheduledAt}`;
