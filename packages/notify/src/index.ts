/**
 * Notifications of dkron-core, the implementation of the kernel's `Notifier` port.
 *
 * - Dkron's global notifications: an email to the job's `owner_email` and a `POST` to
 *   `webhook-endpoint` after every final result (success and failure alike), a `POST` to
 *   `pre-webhook-endpoint` when an execution starts (once per execution, where Dkron sent it for
 *   every output chunk). Payloads are templates with Dkron's fields (`{{.JobName}}`, `{{.Report}}`, …).
 * - Dkron's Cronitor telemetry: a `GET <cronitor-endpoint>/<job>` ping with `state=run` when an
 *   execution starts and `state=complete` or `state=fail` with its result, paired by `series`.
 * - The per-job `notify` rule: a JSON webhook and emails on `failure` (default), `success` or `always`.
 *
 * Every send is retried with exponential backoff under a per-attempt time limit; a final failure is
 * logged and never reaches the kernel.
 *
 * @example
 * ```ts
 * import { createNotifier, toNotifierOptions } from '@dkron-core/notify';
 *
 * const notifier = createNotifier(toNotifierOptions(config, logger));
 * const agent = createAgent({ ...agentOptions, notifier });
 * // at shutdown
 * await notifier.close();
 * ```
 *
 * @packageDocumentation
 */

export type { DkronNotifier } from './create-notifier.js';
export { createNotifier } from './create-notifier.js';
export type { NotificationConfig, NotifierTuning } from './from-config.js';
export { toNotifierOptions } from './from-config.js';
export type {
  CronitorOptions,
  MailOptions,
  NotifierOptions,
  RetryOptions,
  WebhookOptions,
} from './options.js';
export type { CompiledTemplate, TemplateData, TemplateField } from './template.js';
export {
  compileTemplate,
  renderCompiled,
  renderTemplate,
  TEMPLATE_ERROR_PREFIX,
  TEMPLATE_FIELDS,
} from './template.js';
