import { type Execution, type Logger, ZERO_TIME } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import { completionOf, type Store, UNRECORDED_LAUNCH_OUTPUT } from '../../ports/store.js';
import { executionId, rfc3339 } from '../leader/ids.js';
import { START_HOLD_MS } from '../leader/launch-ledger.js';

/** How far back a start looks for launches of which no execution was recorded. */
export const UNRECORDED_LAUNCH_WINDOW_MS = 3_600_000;
/** Launches younger than this are not taken for unrecorded ones (twice the hold of running records). */
export const UNRECORDED_LAUNCH_GRACE_MS = 2 * START_HOLD_MS;

/** Executions left running by a previous process of this node cannot be followed any more: lost. */
export async function markOrphansLost(
  store: Store,
  node: string,
  clock: Clock,
  logger: Logger,
  endKnown: (id: string) => boolean,
): Promise<void> {
  const orphans = (await store.runningExecutions()).filter((e) => e.node_name === node && !endKnown(e.id));
  if (orphans.length === 0) return;
  await store.finishExecutions(
    orphans.map((e) => ({
      jobName: e.job_name,
      executionId: e.id,
      status: 'lost' as const,
      finishedAt: rfc3339(clock.now()),
      output: `${e.output}${e.output.endsWith('\n') || e.output === '' ? '' : '\n'}execution lost: the agent restarted while it ran`,
    })),
  );
  logger.warn('marked executions of a previous run as lost', { count: orphans.length });
}

/**
 * Launches a previous leader recorded whose runs it never recorded (it stopped between the launch and
 * the running record, or before the slot came): each becomes a `lost` execution of its slot, so that no
 * launched slot goes without a record. They are never run again (their ledger rows stay).
 */
export async function recordUnrecordedLaunches(
  store: Store,
  node: string,
  clock: Clock,
  logger: Logger,
  retain: number,
): Promise<void> {
  if (!store.launchesWithoutExecutions) return;
  const now = clock.now();
  // A leader that lost its lease wrote its held running records when its term ended, before the lease
  // could pass here; the grace keeps a record still on its way from being taken for a missing one.
  const found = await store.launchesWithoutExecutions(
    now - UNRECORDED_LAUNCH_WINDOW_MS,
    now - UNRECORDED_LAUNCH_GRACE_MS,
  );
  if (found.length === 0) return;
  const finishedAt = rfc3339(now);
  const lost: Execution[] = found.map((l) => ({
    id: executionId(l.scheduledAt, node),
    job_name: l.job,
    started_at: rfc3339(l.scheduledAt),
    finished_at: finishedAt,
    success: false,
    output: UNRECORDED_LAUNCH_OUTPUT,
    node_name: node,
    group: l.group,
    attempt: 1,
    status: 'lost',
    scheduled_at: rfc3339(l.scheduledAt),
  }));
  if (store.recordFinishedExecutions) {
    await store.recordFinishedExecutions(lost, retain);
  } else {
    await store.startExecutions(
      lost.map((e) => ({ ...e, status: 'running', finished_at: ZERO_TIME, output: '' })),
      retain,
    );
    await store.finishExecutions(lost.map(completionOf));
  }
  logger.warn('recorded launches of a previous run that had no execution as lost', { count: lost.length });
}
