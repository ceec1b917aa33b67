import type { JobPage, JobQuery } from '@dkron-core/kernel';
import type { Execution } from '@dkron-core/plugin-api';
import type { Actor } from './actor.js';

/** The policy path of a job: `/v1/jobs/<name>` (a glob there scopes a team to its jobs). */
export function jobPath(name: string): string {
  return `/v1/jobs/${name}`;
}

/** The policy path of one execution (also what its live stream needs). */
export function executionPath(job: string, id: string): string {
  return `/v1/jobs/${job}/executions/${id}`;
}

/** Whether `actor` may read every job, whatever its name (then nothing needs filtering). */
export function readsEveryJob(actor: Actor, suffix = ''): boolean {
  return actor.type !== 'client' || (actor.grants?.onEveryJob(suffix, 'read') ?? false);
}

/**
 * A page of the jobs `actor` may read. A token scoped to some names (`/v1/jobs/team-a-*`) sees only
 * those: the store's filtered list is read whole, cut to the readable jobs, then sliced, so that
 * `X-Total-Count` counts what the token sees.
 */
export async function readableJobs(
  actor: Actor,
  query: JobQuery,
  list: (query: JobQuery) => Promise<JobPage>,
): Promise<JobPage> {
  if (readsEveryJob(actor)) return list(query);
  const { start, end, ...filters } = query;
  const { jobs } = await list(filters);
  const visible = jobs.filter((job) => actor.can(jobPath(job.name), 'read'));
  return { jobs: visible.slice(start ?? 0, end ?? visible.length), total: visible.length };
}

/** The executions among `executions` that `actor` may read. */
export function readableExecutions(actor: Actor, executions: Execution[]): Execution[] {
  if (readsEveryJob(actor, '/executions/\u0000')) return executions;
  return executions.filter((e) => actor.can(executionPath(e.job_name, e.id), 'read'));
}
