/**
 * The notification port: the kernel tells it about starts and final results; the app plugs in the
 * webhook/email implementation (`@dkron-core/notify`). Implementations retry and log their own failures:
 * a notification never delays or stops children, retries or ephemeral deletion.
 */

import type { Execution, Job } from '@dkron-core/plugin-api';

export interface Notifier {
  /** An execution started (Dkron's pre-webhook). */
  started(job: Job, execution: Execution): Promise<void>;
  /** The final result of a trigger on one node, after its retries (Dkron's post notifications, per-job `notify`). */
  finished(job: Job, execution: Execution): Promise<void>;
}
