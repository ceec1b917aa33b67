import { DkronError, type Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { Cluster } from '../../ports/cluster.js';
import type { RemoteRuns } from '../../ports/remote-runs.js';
import type { Store } from '../../ports/store.js';
import type { ScheduleFeed } from '../jobs/job-service.js';
import type { LeaderTerm } from '../leader/leader.js';
import { recordUnrecordedLaunches } from './orphans.js';

/** What {@link Leadership} needs: the store and cluster, and how to make a term. */
export interface LeadershipOptions {
  readonly store: Store;
  readonly cluster: Cluster;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retain: number;
  /** Server nodes schedule; plain agents never hold a term. */
  readonly server: boolean;
  readonly newTerm: () => LeaderTerm;
  /** Where a run-now goes while this node does not lead (the leader, over the cluster); default: refused. */
  readonly remoteRuns?: Pick<RemoteRuns, 'runNow'>;
}

/**
 * This node's leadership terms: starts one when the node gains leadership (after recording what a
 * previous leader launched and never recorded), stops it when it loses it, one change at a time, and
 * feeds the job service's saves to the term that runs now.
 */
export class Leadership {
  readonly #options: LeadershipOptions;
  #term: LeaderTerm | undefined;
  #starting: Promise<void> | undefined;
  #stopping = false;
  /** Changes of leadership, applied one after the other. */
  #changes: Promise<void> = Promise.resolve();

  constructor(options: LeadershipOptions) {
    this.#options = options;
  }

  /** The term running now, if this node leads. */
  get term(): LeaderTerm | undefined {
    return this.#term;
  }

  /** Follows the cluster's leadership from now on, and starts a term if this node leads. */
  async start(): Promise<void> {
    const { cluster, logger, server } = this.#options;
    // One change at a time, and a gain already lost again when its turn comes starts no term.
    cluster.onLeadershipChange((change) => {
      this.#changes = this.#changes
        .then(() => (change.leader && !cluster.isLeader() ? undefined : this.#apply(change.leader)))
        .catch((err) => logger.error('could not change leadership role', { err: String(err) }));
    });
    this.#starting = this.#apply(!server || cluster.isLeader());
    await this.#starting;
  }

  /** Ends the current term; no term starts after this. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#starting;
    const ending = this.#term;
    this.#term = undefined;
    await ending?.stop();
  }

  /** The schedule as the job service sees it: the current term's, or none on a node that does not lead. */
  feed(): ScheduleFeed {
    return {
      place: (job) => this.#term?.place(job),
      saved: (job, placement) => (this.#term ? this.#term.saved(job, placement) : 'not-here'),
      deleted: (name) => this.#term?.deleted(name),
      runNow: async (job, force) => {
        if (this.#term) return this.#term.runNow(job, force);
        const remote = this.#options.remoteRuns;
        if (!remote) throw new DkronError('UNAVAILABLE', 'this node does not lead: it cannot start runs');
        // The leader reads the job again and decides (disabled, tags, `forbid`) as for its own API.
        await remote.runNow(job.name, force);
      },
    };
  }

  async #apply(leader: boolean): Promise<void> {
    await this.#starting;
    if (this.#stopping) return;
    if (!leader) {
      const ending = this.#term;
      this.#term = undefined;
      await ending?.stop();
      return;
    }
    if (this.#term) return;
    const { store, cluster, clock, logger, retain, server } = this.#options;
    // What a previous leader launched and never recorded is lost, before this term plans anything.
    if (server) await recordUnrecordedLaunches(store, cluster.self().Name, clock, logger, retain);
    const next = this.#options.newTerm();
    await next.start(server);
    this.#term = next;
  }
}
