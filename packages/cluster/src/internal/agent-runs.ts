import type { RemoteFollowEvent } from '@dkron-core/kernel';
import { DkronError, type Execution } from '@dkron-core/plugin-api';
import { createEventQueue } from './event-queue.js';
import type { AgentEntry, InFlight, MemberRegistry } from './members.js';

/**
 * The leader's view of the runs its agents have in flight, for the API: which run, its live output (the
 * chunks the agents stream), cancel (an Abort on the agent's stream) and the end of each run. The
 * cluster server feeds it every chunk and every end it takes.
 */
export class AgentRuns {
  readonly #registry: MemberRegistry;
  readonly #watchers = new Map<string, Set<(event: RemoteFollowEvent) => void>>();

  constructor(registry: MemberRegistry) {
    this.#registry = registry;
  }

  /** Runs in flight on every agent, with the output streamed so far. */
  running(): Execution[] {
    const out: Execution[] = [];
    for (const entry of this.#registry.entries()) {
      for (const run of entry.inFlight.values()) out.push({ ...run.execution, output: run.output });
    }
    return out;
  }

  /** A chunk of `id`'s live output arrived (the server kept it in the run's tail already). */
  output(id: string, chunk: string): void {
    for (const watcher of this.#watchers.get(id) ?? []) watcher({ type: 'output', chunk });
  }

  /** `execution` ended (finished, or lost with its agent): its followers and cancellers get the end. */
  ended(execution: Execution): void {
    const watchers = this.#watchers.get(execution.id);
    this.#watchers.delete(execution.id);
    for (const watcher of watchers ?? []) watcher({ type: 'done', execution });
  }

  /**
   * Sends an Abort for `id` to its agent and resolves with the execution once it ended; `undefined`
   * when no agent has it in flight.
   */
  cancel(job: string, id: string, reason: string): Promise<Execution> | undefined {
    const found = this.#find(job, id);
    if (!found) return undefined;
    const { entry } = found;
    if (!entry.link) {
      return Promise.reject(
        new DkronError(
          'UNAVAILABLE',
          `execution ${id} of job ${job} runs on agent ${entry.member.Name}, which is not connected now`,
          { details: { job, execution: id, node: entry.member.Name } },
        ),
      );
    }
    const ended = new Promise<Execution>((resolve) => {
      this.#watch(id, (event) => {
        if (event.type === 'done') resolve(event.execution);
      });
    });
    entry.link.abort(job, id, reason);
    return ended;
  }

  /** Follows `id` on its agent: the output so far, then chunks until its end; `undefined` when not in flight. */
  follow(job: string, id: string, signal: AbortSignal): AsyncIterable<RemoteFollowEvent> | undefined {
    const found = this.#find(job, id);
    if (!found) return undefined;
    let unwatch = () => {};
    const queue = createEventQueue<RemoteFollowEvent>(signal, () => unwatch());
    if (found.run.output !== '') queue.push({ type: 'output', chunk: found.run.output });
    unwatch = this.#watch(id, (event) => {
      queue.push(event);
      if (event.type === 'done') queue.end();
    });
    return queue.events;
  }

  #watch(id: string, watcher: (event: RemoteFollowEvent) => void): () => void {
    let set = this.#watchers.get(id);
    if (!set) {
      set = new Set();
      this.#watchers.set(id, set);
    }
    set.add(watcher);
    return () => {
      const current = this.#watchers.get(id);
      current?.delete(watcher);
      if (current?.size === 0) this.#watchers.delete(id);
    };
  }

  #find(job: string, id: string): { entry: AgentEntry; run: InFlight } | undefined {
    for (const entry of this.#registry.entries()) {
      const run = entry.inFlight.get(id);
      if (run && run.execution.job_name === job) return { entry, run };
    }
    return undefined;
  }
}
