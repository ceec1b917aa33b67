import type { Clock, Member, PluginCatalog } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';

/** The plain agents connected to the leader, as another server lists them. */
export interface AgentsView {
  readonly members: readonly Member[];
  readonly executors: readonly string[];
  readonly processors: readonly string[];
  readonly catalog: PluginCatalog;
}

/** Options of {@link LeaderAgents}. */
export interface LeaderAgentsOptions {
  /** Asks the leader (ServerLink `Agents`). */
  readonly fetch: () => Promise<AgentsView>;
  readonly isLeader: () => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Pause between two asks: the agents' heartbeat interval. */
  readonly intervalMs: number;
}

/**
 * On a server that does not lead, the leader's agents, asked again every interval: its `/v1/members`,
 * `/v1/plugins` and the executors a job saved there may name. Empty while this server leads (its own
 * agents are the ones) and when the leader cannot be asked (nothing stale is shown).
 */
export class LeaderAgents {
  readonly #options: LeaderAgentsOptions;
  #view: AgentsView | undefined;
  #timer: { cancel(): void } | undefined;
  #stopped = false;

  constructor(options: LeaderAgentsOptions) {
    this.#options = options;
  }

  /** What the leader answered last, or `undefined`. */
  view(): AgentsView | undefined {
    return this.#view;
  }

  start(): void {
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  async #poll(): Promise<void> {
    const { fetch, isLeader, clock, logger, intervalMs } = this.#options;
    if (isLeader()) this.#view = undefined;
    else {
      try {
        this.#view = await fetch();
      } catch (err) {
        if (this.#view) logger.debug("cannot list the leader's agents", { err: String(err) });
        this.#view = undefined;
      }
    }
    if (!this.#stopped) this.#timer = clock.setTimeout(() => void this.#poll(), intervalMs);
  }
}
