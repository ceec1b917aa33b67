import type { Job, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { Store } from '../../ports/store.js';

/** Options of {@link startJobSync}. */
export interface JobSyncOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Time between two reads of the job versions. */
  readonly everyMs: number;
  /** The versions read before the term loaded its jobs. */
  readonly initial: ReadonlyMap<string, number>;
  /** A job saved (created, changed, toggled) elsewhere: the schedule takes it. */
  changed(job: Job): void;
  /** A job deleted elsewhere. */
  deleted(name: string): void;
}

/**
 * Keeps a leader's schedule in step with saves made through other servers: every `everyMs` it reads each
 * job's definition version (one small query), and reloads the jobs whose version moved, forgets the
 * ones gone. Saves made on this node show up too (their version moved): reloading one places it again
 * from its stored `next`, which is what the save already did. Returns the stop.
 */
export function startJobSync(options: JobSyncOptions): () => void {
  const { store, clock, logger } = options;
  const versionsOf = store.jobVersions?.bind(store);
  if (!versionsOf) return () => {};
  let known = new Map(options.initial);
  let stopped = false;
  let timer: { cancel(): void } | undefined;

  async function sync(): Promise<void> {
    const current = await versionsOf!();
    if (stopped) return;
    for (const name of known.keys()) if (!current.has(name)) options.deleted(name);
    const moved = [...current].filter(([name, version]) => known.get(name) !== version).map(([n]) => n);
    const next = new Map(current);
    for (const name of moved) {
      const job = await store.getJob(name);
      if (stopped) return;
      if (job) options.changed(job);
      else {
        options.deleted(name);
        next.delete(name);
      }
    }
    known = next;
  }

  function arm(): void {
    timer = clock.setTimeout(() => {
      sync()
        .catch((err) => logger.warn('could not read job changes from the store', { err: String(err) }))
        .finally(() => {
          if (!stopped) arm();
        });
    }, options.everyMs);
  }
  arm();
  return () => {
    stopped = true;
    timer?.cancel();
  };
}
