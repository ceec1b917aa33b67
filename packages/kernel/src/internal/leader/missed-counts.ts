/**
 * Missed slots whose count could not be written yet (the store was unavailable or its disk full when the
 * slot was skipped): held per job and added to the job's `missed_count` with the next write that can
 * be made, so a slot that did not run is counted even when the store refused it at that moment.
 */
export class MissedCounts {
  readonly #pending = new Map<string, number>();
  readonly #write: (job: string, count: number) => Promise<void>;

  /** `write` adds `count` to the job's `missed_count` (an idempotent increment). */
  constructor(write: (job: string, count: number) => Promise<void>) {
    this.#write = write;
  }

  /** Holds `count` more missed slots of `job` until {@link flush}. */
  add(job: string, count: number): void {
    if (count > 0) this.#pending.set(job, (this.#pending.get(job) ?? 0) + count);
  }

  /** Writes what is held for `jobs` (the store just took a write for them); a failed write holds it again. */
  flush(jobs: Iterable<string>): void {
    for (const job of jobs) {
      const count = this.#pending.get(job);
      if (count === undefined) continue;
      this.#pending.delete(job);
      void this.#write(job, count).catch(() => this.add(job, count));
    }
  }

  /** Jobs and their held counts (tests, diagnostics). */
  held(): ReadonlyMap<string, number> {
    return this.#pending;
  }

  /** Forgets a deleted job. */
  forget(job: string): void {
    this.#pending.delete(job);
  }
}
