/**
 * Dkron's update rule (§1.4): a posted job replaces the stored one, except for the run-time facts the
 * server owns, which a client's stale copy must not roll back.
 */

import { type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { laterTime } from './time.js';

/**
 * The job to store when `posted` replaces `stored` (`undefined`: a new job). Keeps the larger counters,
 * the later `last_success`/`last_error` (a null never erases a time), a non-empty stored `status`, the
 * stored `dependent_jobs` and `missed_count`, and the stored `next` while `schedule` and `timezone` are
 * unchanged (otherwise the zero time, for the scheduler to recompute). `id` is the name. Pure.
 */
export function mergeJobUpdate(stored: Job | undefined, posted: Job): Job {
  if (stored === undefined) return { ...posted, id: posted.name };
  const sameSchedule = stored.schedule === posted.schedule && stored.timezone === posted.timezone;
  return {
    ...posted,
    id: posted.name,
    success_count: Math.max(stored.success_count, posted.success_count),
    error_count: Math.max(stored.error_count, posted.error_count),
    last_success: laterTime(stored.last_success, posted.last_success),
    last_error: laterTime(stored.last_error, posted.last_error),
    status: stored.status !== '' ? stored.status : posted.status,
    dependent_jobs: stored.dependent_jobs,
    missed_count: stored.missed_count,
    next: sameSchedule ? stored.next : ZERO_TIME,
  };
}
