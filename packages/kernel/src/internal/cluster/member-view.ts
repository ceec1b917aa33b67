import type { Member } from '../../ports/agent.js';
import type { Clock } from '../../ports/clock.js';
import type { RegisteredMember } from '../../ports/store.js';

/** Serf's member statuses, as Dkron's `/v1/members` shows them. */
const ALIVE = 1;
const LEFT = 3;
const FAILED = 4;

/** Options of {@link MemberView}. */
export interface MemberViewOptions {
  /** This node, always listed as alive (its record now: its tags can change). */
  readonly self: () => Member;
  readonly clock: Clock;
  /** A member whose heartbeat is older than this is failed. */
  readonly failAfterMs: number;
  /** A failed or left member silent this long is not listed any more. */
  readonly reapAfterMs: number;
  /** Members known another way (plain agents over gRPC); a registered member of the same name wins. */
  readonly extraMembers?: () => readonly Member[];
}

/**
 * Membership as the servers registered it in the store (their heartbeats), apart from who leads: the
 * members with Dkron's fields and statuses, this node always alive, plus members known another way.
 */
export class MemberView {
  readonly #options: MemberViewOptions;
  #registered: readonly RegisteredMember[] = [];

  constructor(options: MemberViewOptions) {
    this.#options = options;
  }

  /** The rows last read from the store. */
  update(registered: readonly RegisteredMember[]): void {
    this.#registered = registered;
  }

  /** Every member to list, by name. */
  list(): Member[] {
    const { clock, failAfterMs, reapAfterMs } = this.#options;
    const self = this.#options.self();
    const now = clock.now();
    const out = new Map<string, Member>();
    for (const entry of this.#registered) {
      if (entry.member.Name === self.Name) continue;
      const status = entry.left ? LEFT : entry.lastSeen < now - failAfterMs ? FAILED : ALIVE;
      if (status !== ALIVE && entry.lastSeen < now - reapAfterMs) continue;
      out.set(entry.member.Name, { ...entry.member, Status: status });
    }
    out.set(self.Name, self);
    for (const extra of this.#options.extraMembers?.() ?? []) {
      if (!out.has(extra.Name)) out.set(extra.Name, extra);
    }
    return [...out.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  }

  /** Names of the alive servers, this one included. */
  aliveServers(): string[] {
    return this.list()
      .filter((m) => m.Status === ALIVE && m.Tags.server === 'true')
      .map((m) => m.Name);
  }
}
