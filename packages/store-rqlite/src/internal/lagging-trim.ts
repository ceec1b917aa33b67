/**
 * Which jobs to trim on a hot path where trimming may lag. Trimming a job reads all its retained rows,
 * so doing it on every insert costs as much as the insert itself; instead a job is trimmed once it has
 * gone `every` inserts since its last trim, and the cost is spread over those inserts. Counts live in
 * memory per store instance: after a restart (or on another server) a job is trimmed a little later, never
 * wrongly. A job's first count starts at a random offset, so jobs launched in lockstep (`@every 1s`) are
 * trimmed in different batches instead of all in the same one.
 */
export class LaggingTrim {
  readonly #pending = new Map<string, number>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /**
   * Adds `count` inserts to each job of `inserts` and returns the jobs that reached `every` (their counts
   * start over). A job named several times counts all of them.
   */
  due(inserts: Iterable<readonly [job: string, count: number]>, every: number): string[] {
    const due: string[] = [];
    for (const [job, count] of inserts) {
      const pending = (this.#pending.get(job) ?? Math.floor(this.#random() * every)) + count;
      if (pending >= every) {
        due.push(job);
        this.#pending.set(job, 0);
      } else {
        this.#pending.set(job, pending);
      }
    }
    return [...new Set(due)];
  }

  /** Forgets a job (deleted). */
  forget(job: string): void {
    this.#pending.delete(job);
  }
}

/**
 * Inserts between two trims of a job's executions on the launch path: at least 10, and a tenth of
 * `retain`, so the rows a trim reads per insert stay about 10 while a job keeps at most ~10% more than
 * `retain` executions between trims.
 */
export function executionTrimEvery(retain: number): number {
  return Math.max(10, Math.ceil(retain / 10));
}
