/**
 * Groups the items added during one turn of the event loop into a single call of `flush`, so that
 * the launches of one tick and the completions that arrive together cost one store round trip.
 * `flush` returns one result per item, in order. At most one flush runs at a time; items added
 * meanwhile form the next batch.
 */
export class Batcher<T, R = void> {
  private pending: { item: T; resolve(result: R): void; reject(err: unknown): void }[] = [];
  private scheduled = false;
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly flush: (items: T[]) => Promise<R[] | undefined>,
    /** Runs a callback after the current turn of the event loop (see `Clock.defer`). */
    private readonly defer: (fn: () => void) => void,
    // One request per kind per tick keeps the store's serialized writes few: each request costs a
    // Raft round trip, so four requests of 500 queue far longer than one of 2,000.
    private readonly maxBatch = 5_000,
  ) {}

  /** Resolves with the item's result once the batch holding it has been flushed. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => this.run());
      }
    });
  }

  /** Resolves when everything added so far is flushed. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.scheduled) {
      await new Promise<void>((r) => this.defer(r));
      await this.inflight;
    }
    await this.inflight;
  }

  private run(): void {
    this.inflight = this.inflight.then(async () => {
      this.scheduled = false;
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((p) => p.item));
          for (const [i, p] of batch.entries()) p.resolve(results?.[i] as R);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    });
  }
}
