import type { Clock } from '../../ports/clock.js';

/** How a plugin call ended. */
export type Settled<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'thrown'; readonly error: unknown }
  | { readonly kind: 'hung' };

/**
 * Calls `fn` and never rejects: a synchronous throw and a rejection both become `thrown`, so a
 * plugin written without `async` cannot escape the runner.
 */
export function settle<T>(fn: () => T | Promise<T>): Promise<Settled<T>> {
  try {
    return settleReturned(fn());
  } catch (error) {
    return Promise.resolve({ kind: 'thrown', error });
  }
}

/** What a call returned (a value or a promise), as a promise that never rejects. */
export function settleReturned<T>(returned: T | Promise<T>): Promise<Settled<T>> {
  return Promise.resolve(returned).then(
    (value): Settled<T> => ({ kind: 'value', value }),
    (error: unknown): Settled<T> => ({ kind: 'thrown', error }),
  );
}

/**
 * Resolves with `pending`, or with `hung` when it has not settled `graceMs` after `deadline` fired.
 * `deadline` is called once with the function that starts the grace period.
 */
export async function settleOrGiveUp<T>(
  pending: Promise<Settled<T>>,
  graceMs: number,
  deadline: (start: () => void) => void,
  clock: Clock,
): Promise<Settled<T>> {
  let timer: { cancel(): void } | undefined;
  const gaveUp = new Promise<Settled<T>>((resolve) => {
    deadline(() => {
      timer ??= clock.setTimeout(() => resolve({ kind: 'hung' }), graceMs);
    });
  });
  try {
    return await Promise.race([pending, gaveUp]);
  } finally {
    timer?.cancel();
  }
}

/** `5000` → `5s`, `1500` → `1500ms`: short durations for messages. */
export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
