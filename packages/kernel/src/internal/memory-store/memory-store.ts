/**
 * The Store port in memory: for unit tests of the kernel and the API, and for `dev` runs. It follows the
 * port's documented semantics exactly (the shared contract suite, `@dkron-core/store-testing`, checks it against
 * the rqlite store). Every method works on copies, so callers can never alter stored state in place.
 */

import type { Store } from '../../ports/store.js';
import { createMemoryLeases } from './lease.js';
import { memoryExecutions } from './memory-executions.js';
import { memoryJobs } from './memory-jobs.js';
import { memoryLaunches } from './memory-launches.js';
import { createMemoryState } from './memory-state.js';

/** The memory store: a {@link Store} plus the grant of leader epochs that fences stale launches. */
export interface MemoryStore extends Store {
  /**
   * A leader of `epoch` was elected (what rqlite's leader row records): from now on, launch intents
   * of older epochs write nothing. Epochs only move forward.
   */
  grantEpoch(epoch: number): void;
}

/** Creates an empty in-memory {@link Store}: its jobs, launch ledger and executions over one state. */
export function createMemoryStore(): MemoryStore {
  const { epoch: leaseEpoch, ...leases } = createMemoryLeases();
  const state = createMemoryState(leaseEpoch);
  return {
    ...leases,
    async jobVersions() {
      return new Map(state.versions);
    },
    ...memoryJobs(state),
    ...memoryLaunches(state),
    ...memoryExecutions(state),
    async close() {},
  };
}
