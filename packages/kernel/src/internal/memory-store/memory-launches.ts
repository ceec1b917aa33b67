import { ZERO_TIME } from '@dkron-core/plugin-api';
import type { LaunchIntent, Store } from '../../ports/store.js';
import { msToTime } from '../job/index.js';
import { copy, launchKey, type MemoryState } from './memory-state.js';

/** The launch ledger methods of the memory store, and the grant of epochs that fences them. */
export type MemoryLaunches = Pick<
  Store,
  'recordLaunches' | 'releaseLaunches' | 'lastLaunches' | 'launchesWithoutExecutions'
> & {
  grantEpoch(epoch: number): void;
};

/** The launch ledger in `state`: one row per (job, slot), fenced by the granted epoch. */
export function memoryLaunches(state: MemoryState): MemoryLaunches {
  const { jobs, launches, executions, cleared } = state;
  return {
    grantEpoch(epoch) {
      state.granted = Math.max(state.granted, epoch);
    },

    async recordLaunches(intents) {
      const inserted: LaunchIntent[] = [];
      for (const intent of intents) {
        const key = launchKey(intent.job, intent.scheduledAt);
        const job = jobs.get(intent.job);
        if (
          launches.has(key) ||
          job === undefined ||
          intent.epoch < Math.max(state.granted, state.leaseEpoch())
        )
          continue;
        launches.set(key, copy(intent));
        cleared.delete(key);
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

    async launchesWithoutExecutions(since, now) {
      const found: { job: string; scheduledAt: number; group: number }[] = [];
      /** Each job's newest recorded trigger group. */
      const newest = new Map<string, number>();
      const newestOf = (job: string): number => {
        let group = newest.get(job);
        if (group === undefined) {
          group = Number.NEGATIVE_INFINITY;
          for (const e of executions.get(job)?.values() ?? []) group = Math.max(group, e.group);
          newest.set(job, group);
        }
        return group;
      };
      for (const [key, intent] of launches) {
        if (intent.scheduledAt < since || intent.scheduledAt > now || cleared.has(key)) continue;
        if (intent.group > newestOf(intent.job))
          found.push({ job: intent.job, scheduledAt: intent.scheduledAt, group: intent.group });
      }
      return found.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : a.scheduledAt - b.scheduledAt));
    },
  };
}
