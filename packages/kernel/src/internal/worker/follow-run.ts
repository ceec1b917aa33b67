import type { FollowEvent, Run } from './run.js';

/** The output of `run` so far, then every chunk and its end as they happen, until `signal` aborts. */
export async function* followRun(run: Run, signal: AbortSignal): AsyncIterable<FollowEvent> {
  const queue: FollowEvent[] = [];
  let wake: (() => void) | undefined;
  const listener = (event: FollowEvent) => {
    queue.push(event);
    wake?.();
  };
  const replay = run.output.toString();
  run.listeners.add(listener);
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    if (replay !== '') yield { type: 'output', chunk: replay };
    while (!signal.aborted) {
      const event = queue.shift();
      if (!event) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      yield event;
      if (event.type === 'done') return;
    }
  } finally {
    run.listeners.delete(listener);
    signal.removeEventListener('abort', onAbort);
  }
}
