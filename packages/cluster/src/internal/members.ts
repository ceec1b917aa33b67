import type { ClusterCandidate, Member, PluginCatalog } from '@dkron-core/kernel';
import type { Execution, Job } from '@dkron-core/plugin-api';

/** Serf's member states, which Dkron's `/v1/members` shows. */
export const STATUS = { alive: 1, left: 3, failed: 4 } as const;

/** A run dispatched to an agent and not reported finished yet. */
export interface InFlight {
  readonly job: Job | undefined;
  readonly execution: Execution;
  /** The live output streamed so far (its tail): a lost execution keeps it. */
  output: string;
}

/** What the registry sends to a connected agent. */
export interface AgentLinkHandle {
  dispatch(job: Job, execution: Execution): void;
  abort(job: string, id: string, reason: string): void;
  /** Ends the stream (a newer stream of the same agent replaces it). */
  close(): void;
}

/** One agent as the server knows it. */
export interface AgentEntry {
  member: Member;
  executors: readonly string[];
  processors: readonly string[];
  /** The plugin catalog it announced (config schemas), if any. */
  catalog: PluginCatalog | undefined;
  lastSeen: number;
  /** Set while its stream is open. */
  link: AgentLinkHandle | undefined;
  /** When it was seen failing or leaving, for the reap after `serf-reconnect-timeout`. */
  downSince: number | undefined;
  readonly inFlight: Map<string, InFlight>;
  /** False for a node known only from executions it was running (it has not announced itself yet). */
  announced: boolean;
}

/** Options of {@link MemberRegistry}. */
export interface MemberRegistryOptions {
  /** No heartbeat for this long: the agent is `failed` and its runs are lost. */
  readonly heartbeatTimeoutMs: number;
  /** A failed or left agent is removed after this long (`--serf-reconnect-timeout`). */
  readonly reconnectTimeoutMs: number;
  /** Gets the runs of an agent that stopped heartbeating, once. */
  readonly onLost: (node: string, runs: InFlight[], silentMs: number) => void;
  readonly onChange?: (node: string, status: number) => void;
}

/**
 * The agents connected to this server (servers come from the base cluster): alive while they
 * heartbeat, `failed` after the heartbeat timeout, removed after the reconnect timeout.
 */
export class MemberRegistry {
  readonly #agents = new Map<string, AgentEntry>();
  readonly #options: MemberRegistryOptions;

  constructor(options: MemberRegistryOptions) {
    this.#options = options;
  }

  /** An agent announced itself on a new stream; returns its entry (its runs in flight are kept). */
  connect(
    member: Omit<Member, 'Status'>,
    plugins: { executors: readonly string[]; processors: readonly string[]; catalog?: PluginCatalog },
    link: AgentLinkHandle,
    now: number,
  ): AgentEntry {
    const previous = this.#agents.get(member.Name);
    const entry: AgentEntry = {
      member: { ...member, Status: STATUS.alive },
      executors: plugins.executors,
      processors: plugins.processors,
      catalog: plugins.catalog,
      lastSeen: now,
      link,
      downSince: undefined,
      inFlight: previous?.inFlight ?? new Map(),
      announced: true,
    };
    this.#agents.set(member.Name, entry);
    if (previous?.member.Status !== STATUS.alive) this.#options.onChange?.(member.Name, STATUS.alive);
    return entry;
  }

  /** The stream of `entry` closed (`left` when the agent said it leaves). */
  disconnect(entry: AgentEntry, left: boolean, now: number): void {
    if (this.#agents.get(entry.member.Name) !== entry) return;
    entry.link = undefined;
    if (left) this.#down(entry, STATUS.left, now);
  }

  /**
   * Executions the store shows running on agent `node` when this server starts: followed as if they
   * had been dispatched here, so they are lost if the agent does not come back within the heartbeat
   * timeout. The node is not listed as a member until it announces itself.
   */
  adopt(node: string, execution: Execution, now: number): void {
    let entry = this.#agents.get(node);
    if (!entry) {
      entry = {
        member: { Name: node, Addr: '', Port: 0, Tags: {}, Status: STATUS.alive } as Member,
        executors: [],
        processors: [],
        catalog: undefined,
        lastSeen: now,
        link: undefined,
        downSince: undefined,
        inFlight: new Map(),
        announced: false,
      };
      this.#agents.set(node, entry);
    }
    if (!entry.inFlight.has(execution.id))
      entry.inFlight.set(execution.id, { job: undefined, execution, output: execution.output });
  }

  seen(entry: AgentEntry, now: number): void {
    entry.lastSeen = now;
  }

  /** Every agent known now (connected or not). */
  entries(): IterableIterator<AgentEntry> {
    return this.#agents.values();
  }

  get(name: string): AgentEntry | undefined {
    return this.#agents.get(name);
  }

  /** The connected agent `name`, if it is alive. */
  connected(name: string): AgentEntry | undefined {
    const entry = this.#agents.get(name);
    return entry?.link && entry.member.Status === STATUS.alive ? entry : undefined;
  }

  members(): Member[] {
    return [...this.#agents.values()].filter((e) => e.announced).map((e) => e.member);
  }

  candidates(): ClusterCandidate[] {
    return [...this.#agents.values()]
      .filter((e) => e.link && e.member.Status === STATUS.alive)
      .map((e) => ({ name: e.member.Name, tags: { ...e.member.Tags }, alive: true }));
  }

  /** Executors and processors the connected agents provide. */
  plugins(): { executors: Set<string>; processors: Set<string> } {
    const executors = new Set<string>();
    const processors = new Set<string>();
    for (const e of this.#agents.values()) {
      if (!e.link) continue;
      for (const x of e.executors) executors.add(x);
      for (const p of e.processors) processors.add(p);
    }
    return { executors, processors };
  }

  /** The catalogs of the connected agents. */
  catalogs(): PluginCatalog[] {
    return [...this.#agents.values()].flatMap((e) => (e.link && e.catalog ? [e.catalog] : []));
  }

  /** Marks silent agents failed (their runs lost) and reaps the ones down for too long. */
  sweep(now: number): void {
    const { heartbeatTimeoutMs, reconnectTimeoutMs } = this.#options;
    for (const [name, entry] of this.#agents) {
      const silent = now - entry.lastSeen;
      if (entry.member.Status === STATUS.alive && silent > heartbeatTimeoutMs)
        this.#down(entry, STATUS.failed, now);
      if (entry.downSince !== undefined && now - entry.downSince > reconnectTimeoutMs)
        this.#agents.delete(name);
    }
  }

  #down(entry: AgentEntry, status: number, now: number): void {
    entry.member = { ...entry.member, Status: status };
    entry.downSince = now;
    entry.link = undefined;
    const runs = [...entry.inFlight.values()];
    entry.inFlight.clear();
    if (entry.announced) this.#options.onChange?.(entry.member.Name, status);
    if (runs.length > 0) this.#options.onLost(entry.member.Name, runs, now - entry.lastSeen);
  }
}
