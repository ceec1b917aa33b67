/** Why a run stopped waiting. */
export class Stopped extends Error {}

/**
 * One deadline for a whole run: `race(p)` settles like `p`, or rejects with {@link Stopped} when the
 * run's timeout passes or its signal aborts, whichever comes first.
 */
export interface Deadline {
  race<T>(pending: Promise<T>): Promise<T>;
  /** ms left before the timeout (at least 1). */
  remaining(): number;
  dispose(): void;
}

/** Starts a deadline of `timeoutMs` tied to `signal`; `what()` names the step for the timeout message. */
export function startDeadline(timeoutMs: number, signal: AbortSignal, what: () => string): Deadline {
  const endsAt = performance.now() + timeoutMs;
  let reject!: (error: Error) => void;
  const stopped = new Promise<never>((_, r) => {
    reject = r;
  });
  stopped.catch(() => {});
  const timer = setTimeout(
    () => reject(new Stopped(`timed out after ${format(timeoutMs)} ${what()}`)),
    timeoutMs,
  );
  const onAbort = () => reject(new Stopped(`cancelled while ${what()}`));
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    race: (pending) => Promise.race([pending, stopped]),
    remaining: () => Math.max(1, Math.round(endsAt - performance.now())),
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

function format(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
