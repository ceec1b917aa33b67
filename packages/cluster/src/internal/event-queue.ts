/** A push source turned into an async iterable: what a follower of a run reads. */
export interface EventQueue<T> {
  /** Queues an event for the reader. */
  push(event: T): void;
  /** Ends the iteration once the queued events are read. */
  end(): void;
  /** Ends the iteration with `error` once the queued events are read. */
  fail(error: unknown): void;
  /** The events, until `end`, `fail` or the signal aborts. */
  readonly events: AsyncIterable<T>;
}

/** A queue read by one consumer; `onClose` runs once when the consumer stops (or the queue ends). */
export function createEventQueue<T>(signal: AbortSignal, onClose: () => void): EventQueue<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  signal.addEventListener('abort', poke);

  async function* read(): AsyncGenerator<T> {
    try {
      while (!signal.aborted) {
        const event = queue.shift();
        if (event !== undefined) {
          yield event;
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', poke);
      onClose();
    }
  }

  return {
    push(event) {
      queue.push(event);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    fail(error) {
      failure = { error };
      poke();
    },
    events: read(),
  };
}
