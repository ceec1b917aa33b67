/**
 * `GET /v1/jobs` filtering, sorting and slicing (Dkron §1.4) over jobs held in memory. The rqlite store
 * does the same in SQL; both follow the Store port's JobQuery contract.
 */

import type { Job } from '@dkron-core/plugin-api';
import type { JobPage, JobQuery, JobSortField } from '../../ports/store.js';
import { timeToNanos } from '../job/index.js';

const TIME_FIELDS: ReadonlySet<JobSortField> = new Set(['last_success', 'last_error', 'next']);

function matches(job: Job, query: JobQuery): boolean {
  if (
    query.q !== undefined &&
    query.q !== '' &&
    !job.name.includes(query.q) &&
    !job.displayname.includes(query.q)
  ) {
    return false;
  }
  if (query.status !== undefined && job.status !== query.status) return false;
  if (query.disabled !== undefined && job.disabled !== query.disabled) return false;
  if (query.executor !== undefined && job.executor !== query.executor) return false;
  const wanted = Object.entries(query.metadata ?? {});
  // A job without metadata never matches a metadata filter (Dkron).
  return wanted.every(([key, value]) => job.metadata !== null && job.metadata[key] === value);
}

type SortKey = string | number | bigint | null;

function sortKey(job: Job, field: JobSortField): SortKey {
  const value = job[field];
  if (value === null) return null;
  // Times compare as instants, not as text: fractions make text order wrong.
  if (TIME_FIELDS.has(field)) return timeToNanos(value as string) ?? (value as string);
  return value;
}

// SQLite's order: NULL first, then numbers, then text (binary).
function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const aText = typeof a === 'string';
  const bText = typeof b === 'string';
  if (aText !== bText) return aText ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Applies a {@link JobQuery}: filters (`q` case-sensitive substring of name or displayname, exact
 * `status`, `disabled`, every `metadata` pair), sorts (default `name` ascending; ties by name) and
 * slices `[start, end)` clamped to the result. `total` counts the jobs before slicing.
 */
export function queryJobs(jobs: readonly Job[], query: JobQuery): JobPage {
  const field = query.sort ?? 'name';
  const direction = query.order === 'DESC' ? -1 : 1;
  const found = jobs
    .filter((job) => matches(job, query))
    .map((job) => ({ job, key: sortKey(job, field) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key) || compareKeys(a.job.name, b.job.name))
    .map((entry) => entry.job);
  const start = Math.max(0, Math.trunc(query.start ?? 0));
  const end = Math.min(found.length, Math.trunc(query.end ?? found.length));
  return { jobs: found.slice(start, Math.max(start, end)), total: found.length };
}
