/**
 * The notifier: Dkron's global notifications (owner email, webhook, pre-webhook, Cronitor pings)
 * and dkron-core's per-job `notify` rule, delivered with retries, never failing the caller.
 */

import type { Notifier } from '@dkron-core/kernel';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { createChannels, type Send } from './internal/channels.js';
import { deliver, type RetryPolicy } from './internal/retry.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_INITIAL_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  type NotifierOptions,
} from './options.js';

/** A {@link Notifier} that can be shut down. */
export interface DkronNotifier extends Notifier {
  /**
   * Sends the pre-webhook and the Cronitor `state=run` ping for an execution that started, once per
   * execution (Dkron sent them again for every output chunk). Resolves when delivery ended,
   * successful or not; never rejects.
   */
  started(job: Job, execution: Execution): Promise<void>;
  /**
   * Sends the notifications of a final result: the owner email, the global webhook and the Cronitor
   * `state=complete|fail` ping on every result (as Dkron), and the job's `notify` webhook and emails
   * when its `on` rule matches. Channels are delivered independently. Resolves when all ended,
   * successful or not; never rejects.
   */
  finished(job: Job, execution: Execution): Promise<void>;
  /**
   * Cuts retry waits short (no further attempts), waits for attempts in flight, then releases the
   * SMTP client. Calls made after it send nothing.
   */
  close(): Promise<void>;
}

// An execution start is remembered this long (in starts) so a repeated report does not re-send.
const REMEMBERED_STARTS = 1024;

/** What a notification with nothing to send returns: one settled promise, not one per run. */
const SENT: Promise<void> = Promise.resolve();

/**
 * Creates the notifier the app hands to the kernel's agent.
 *
 * @example
 * ```ts
 * const notifier = createNotifier({
 *   nodeName: 'node-1',
 *   logger,
 *   mail: { host: 'smtp.example.com', port: 587, from: 'dkron@example.com' },
 *   webhook: { endpoint: 'https://hooks.example.com/dkron', payload: '{"text":"{{.JobName}} {{.Status}}"}' },
 *   cronitor: { endpoint: 'https://cronitor.link/p/<api key>' },
 * });
 * ```
 */
export function createNotifier(options: NotifierOptions): DkronNotifier {
  const { logger } = options;
  const policy: RetryPolicy = {
    attempts: options.retry?.attempts ?? DEFAULT_ATTEMPTS,
    initialDelayMs: options.retry?.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS,
    maxDelayMs: options.retry?.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
    timeoutMs: options.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const channels = createChannels(options, policy.timeoutMs);
  const stop = new AbortController();
  const pending = new Set<Promise<void>>();
  const starts = new Set<string>();
  let closed = false;

  async function run(send: Send, job: Job, execution: Execution): Promise<void> {
    const where = { channel: send.channel, target: send.target, job: job.name, execution: execution.id };
    const outcome = await deliver(send.run, policy, stop.signal);
    if (outcome.ok) logger.debug('notification sent', { ...where, attempts: outcome.attempts });
    else
      logger.error('notification failed', {
        ...where,
        attempts: outcome.attempts,
        error: message(outcome.error),
      });
  }

  /** The messages of one event; none when closed or when building them failed (logged). */
  function plan(build: () => Send[], job: Job, execution: Execution): Send[] {
    if (closed) return [];
    try {
      return build();
    } catch (error) {
      // A bug in building a message must not reach the kernel, which only logs it.
      logger.error('notification failed', { job: job.name, execution: execution.id, error: message(error) });
      return [];
    }
  }

  function dispatch(sends: Send[], job: Job, execution: Execution): Promise<void> {
    if (sends.length === 0) return SENT;
    const all = Promise.all(sends.map((send) => run(send, job, execution))).then(() => undefined);
    pending.add(all);
    void all.finally(() => pending.delete(all));
    return all;
  }

  return {
    started(job, execution) {
      // Called for every run: without a channel for starts, nothing is built or remembered.
      const sends = plan(() => channels.started(job, execution), job, execution);
      if (sends.length === 0) return SENT;
      const key = `${execution.job_name || job.name}\u0000${execution.id}`;
      if (starts.has(key)) return SENT;
      starts.add(key);
      if (starts.size > REMEMBERED_STARTS) starts.delete(starts.values().next().value as string);
      return dispatch(sends, job, execution);
    },
    finished(job, execution) {
      return dispatch(
        plan(() => channels.finished(job, execution), job, execution),
        job,
        execution,
      );
    },
    async close() {
      closed = true;
      stop.abort();
      await Promise.allSettled([...pending]);
      channels.close();
    },
  };
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
