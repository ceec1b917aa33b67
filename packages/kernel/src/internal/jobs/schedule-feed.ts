import type { Job } from '@dkron-core/plugin-api';
import type { Placement } from '../leader/schedule-table.js';

/**
 * The schedule as the job service sees it: the leader's, when this node leads. In a cluster a save on
 * another node reaches the leader through the store (the leader reloads at its term's start) and the
 * cluster port.
 */
export interface ScheduleFeed {
  /** Where the schedule would put a job saved now; `undefined` when this node does not schedule. */
  place(job: Job): Placement | undefined;
  /** A job was stored: its next fire time, or `'not-here'` when this node does not schedule. */
  saved(job: Job, placement: Placement | undefined): number | undefined | 'not-here';
  deleted(name: string): void;
  /** Runs a job now; rejects when this node does not lead. */
  runNow(job: Job, force: boolean): Promise<void>;
}
