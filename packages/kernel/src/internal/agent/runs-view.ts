import { DkronError, type Execution, type Logger } from '@dkron-core/plugin-api';
import type { AgentApi } from '../../ports/agent.js';
import type { RemoteRuns } from '../../ports/remote-runs.js';
import type { Store } from '../../ports/store.js';
import type { Worker } from '../worker/worker.js';

/** What {@link runsView} reads: this node's worker, the store, and the runs of other nodes if clustered. */
export interface RunsViewDeps {
  readonly store: Store;
  readonly worker: Worker;
  readonly logger: Logger;
  readonly remote: RemoteRuns | undefined;
  readonly requireJob: (name: string) => Promise<unknown>;
}

/** The reason a cancelled attempt carries; a cancelled attempt ends as `cancelled`, which never retries. */
const CANCEL_REASON = 'execution cancelled by a user';

/**
 * The API's view of running executions, wherever they run: this node's worker first, then the nodes the
 * cluster knows (the leader's agents, or the leader itself from a server that does not lead), then the store.
 */
export function runsView(deps: RunsViewDeps): Pick<AgentApi, 'cancelExecution' | 'busy' | 'followExecution'> {
  const { store, worker, remote, logger } = deps;
  return {
    async cancelExecution(job, id) {
      const here = worker.cancel(job, id, CANCEL_REASON);
      if (here) return here;
      const there = await remote?.cancel(job, id, CANCEL_REASON);
      return there ?? notCancellable(store, deps.requireJob, job, id);
    },

    async busy() {
      const local = worker.running();
      if (!remote) return local;
      let others: Execution[];
      try {
        others = await remote.running();
      } catch (err) {
        // The node that follows the other runs cannot be asked: the store still knows which ones run.
        logger.warn('could not ask the leader for the running executions; listing the stored ones', {
          err: String(err),
        });
        others = await store.runningExecutions();
      }
      const byId = new Map<string, Execution>();
      for (const e of [...others, ...local]) byId.set(e.id, e);
      return [...byId.values()].sort(
        (a, b) => a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id),
      );
    },

    async *followExecution(job, id, signal) {
      const local = worker.follow(job, id, signal);
      if (local) {
        yield* local;
        return;
      }
      const there = await remote?.follow(job, id, signal);
      if (there) {
        yield* there;
        return;
      }
      const execution = await store.getExecution(job, id);
      if (!execution) throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`);
      if (execution.output !== '') yield { type: 'output', chunk: execution.output };
      // Running where no node known here follows it (orphaned): nothing more to follow here.
      if (execution.status !== 'running') yield { type: 'done', execution };
    },
  };
}

/** Why `id` cannot be cancelled: `NOT_FOUND`, or `CONFLICT` when it is not running (or no node runs it). */
async function notCancellable(
  store: Store,
  requireJob: (name: string) => Promise<unknown>,
  job: string,
  id: string,
): Promise<never> {
  await requireJob(job);
  const stored = await store.getExecution(job, id);
  if (!stored) {
    throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`, {
      details: { job, execution: id },
    });
  }
  const why =
    stored.status === 'running'
      ? `is recorded running on ${stored.node_name}, but no node runs it now`
      : `is not running (${stored.status})`;
  throw new DkronError('CONFLICT', `execution ${id} of job ${job} ${why}`, {
    details: { job, execution: id, status: stored.status },
  });
}
