import type { Job } from '@dkron-core/plugin-api';
import type { Store } from '../../ports/store.js';
import { checkParentChange, type DagJob } from '../dag/index.js';
import { nextString } from '../leader/launch-planner.js';
import { firstSlot } from '../leader/schedule-table.js';
import type { PluginRegistry } from '../plugins/index.js';
import type { ScheduleFeed } from './schedule-feed.js';

/** What a save of a validated job touches. */
export interface SaveJobDeps {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly schedule: ScheduleFeed;
}

/**
 * Stores a validated job (conditionally on `expectedVersion` when given) after Dkron's parent rules,
 * tells the schedule, and keeps the stored `next` true.
 */
export async function saveValidatedJob(deps: SaveJobDeps, job: Job, expectedVersion?: number): Promise<Job> {
  const { store, registry, schedule } = deps;
  await checkParent(store, job);
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

/** Dkron's parent rules (the parent exists, no cycle) over the stored ancestors of the new parent. */
async function checkParent(store: Store, job: Job): Promise<void> {
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
