import type { Job } from '@dkron-core/plugin-api';
import type { LeaderContext } from './context.js';

/** What the follow-up needs of the term. */
export interface FollowUpDeps {
  runnable(job: Job, at: number): boolean;
  trigger(job: Job): Promise<void>;
  untrack(name: string): void;
}

/**
 * After a trigger succeeded on every node: starts the job's children and deletes an ephemeral job
 * (once it has none). The job is read back, as its children may have changed since it was scheduled.
 */
export async function followUp(ctx: LeaderContext, ran: Job, deps: FollowUpDeps): Promise<void> {
  const name = ran.name;
  const job = await ctx.store.getJob(name).catch(() => undefined);
  if (!job) return;
  for (const child of job.dependent_jobs ?? []) {
    const childJob = await ctx.store.getJob(child).catch(() => undefined);
    if (!childJob) {
      ctx.logger.warn('dependent job not found', { job: name, child });
      continue;
    }
    if (!deps.runnable(childJob, ctx.clock.now())) continue;
    void deps
      .trigger(childJob)
      .catch((err) => ctx.logger.error('could not start dependent job', { job: child, err: String(err) }));
  }
  if (job.ephemeral && (job.dependent_jobs ?? []).length === 0) {
    await ctx.store.deleteJob(name).then(
      () => {
        void ctx.registry.emit('job:deleted', { job });
        deps.untrack(name);
        ctx.logger.info('deleted ephemeral job after a successful run', { job: name });
      },
      (err) => ctx.logger.warn('could not delete ephemeral job', { job: name, err: String(err) }),
    );
  }
}
