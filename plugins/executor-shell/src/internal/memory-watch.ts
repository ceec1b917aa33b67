import { groupMemory } from './process-group.js';

/** Watches the memory of running jobs' process groups. */
export interface MemoryWatch {
  /**
   * Calls `exceeded` once with the group's resident bytes when they go over `limit`. Returns the
   * function that stops watching.
   */
  watch(pgid: number, limit: number, exceeded: (bytes: number) => void): () => void;
}

/** Reads the resident bytes of the given groups. */
export type GroupSampler = (pgids: ReadonlySet<number>) => Promise<ReadonlyMap<number, number>>;

/**
 * One poller for every job with a `mem_limit`: a single `/proc` scan per interval serves all of them,
 * and no timer runs while no job is watched.
 */
export function createMemoryWatch(intervalMs: number, sample: GroupSampler = groupMemory): MemoryWatch {
  const watched = new Map<number, { limit: number; exceeded: (bytes: number) => void }>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let scanning = false;

  const tick = async (): Promise<void> => {
    if (scanning) return; // a slow scan is not stacked under the next one
    scanning = true;
    try {
      const usage = await sample(new Set(watched.keys()));
      for (const [pgid, bytes] of usage) {
        const entry = watched.get(pgid);
        if (entry !== undefined && bytes > entry.limit) {
          watched.delete(pgid);
          entry.exceeded(bytes);
        }
      }
    } finally {
      scanning = false;
      if (watched.size === 0) stop();
    }
  };

  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  return {
    watch(pgid, limit, exceeded) {
      const entry = { limit, exceeded };
      watched.set(pgid, entry);
      if (timer === undefined) {
        timer = setInterval(() => void tick().catch(() => {}), intervalMs);
        // Running jobs keep the process alive through their child handles, not through this timer.
        timer.unref();
      }
      return () => {
        if (watched.get(pgid) === entry) watched.delete(pgid);
        if (watched.size === 0 && !scanning) stop();
      };
    },
  };
}
