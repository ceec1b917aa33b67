import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { Cluster } from '../../ports/cluster.js';
import type { Dispatcher } from '../../ports/dispatcher.js';
import type { Notifier } from '../../ports/notifier.js';
import type { Store } from '../../ports/store.js';
import type { PluginRegistry } from '../plugins/index.js';
import type { Concurrency } from './concurrency.js';
import type { LaunchLedger } from './launch-ledger.js';
import type { ReportIntake } from './report-intake.js';

/** What the parts of one leadership term share. */
export interface LeaderContext {
  readonly store: Store;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly dispatcher: Dispatcher;
  readonly ledger: LaunchLedger;
  readonly intake: ReportIntake;
  readonly concurrency: Concurrency;
  /** The fencing epoch of this term: every launch intent carries it. */
  readonly epoch: number;
  readonly random: () => number;
  readonly notifier: Notifier | undefined;
  /** Whether this term is over (leadership lost, or the agent stops). */
  stopped(): boolean;
  /** Waits `ms` on the clock; resolves `false` when the term ends first. */
  sleep(ms: number): Promise<boolean>;
}

/** Sends a notification; a failure is logged, never thrown. */
export function notify(
  ctx: Pick<LeaderContext, 'notifier' | 'logger'>,
  what: 'started' | 'finished',
  job: Job,
  execution: Execution,
): void {
  const notifier = ctx.notifier;
  if (!notifier) return;
  void notifier[what](job, execution).catch((err: unknown) =>
    ctx.logger.warn('notification failed', { job: job.name, execution: execution.id, err: String(err) }),
  );
}

export function logStoreError(ctx: LeaderContext): (err: unknown) => void {
  return (err) => ctx.logger.error('store write failed', { err: String(err) });
}
