/** Builds {@link NotifierOptions} from the agent's configuration keys. */

import { DkronError, type Logger } from '@dkron-core/plugin-api';
import { cronitorEndpoint } from './internal/cronitor.js';
import type { NotifierOptions, RetryOptions } from './options.js';

/**
 * The agent configuration keys the notifier reads, named as in the app's `AgentConfig` (which
 * satisfies this type as it is).
 */
export interface NotificationConfig {
  readonly nodeName: string;
  readonly mailHost: string;
  /** 0 when unset. */
  readonly mailPort: number;
  readonly mailUsername: string;
  readonly mailPassword: string;
  readonly mailFrom: string;
  readonly mailPayload: string;
  readonly mailSubjectPrefix: string;
  readonly webhookEndpoint: string;
  readonly webhookPayload: string;
  readonly webhookHeaders: readonly string[];
  readonly preWebhookEndpoint: string;
  readonly preWebhookPayload: string;
  readonly preWebhookHeaders: readonly string[];
  /** Base URL of the Cronitor pings; empty (or blank) for none. */
  readonly cronitorEndpoint: string;
}

/** Extra settings of {@link toNotifierOptions} that have no Dkron configuration key. */
export interface NotifierTuning {
  readonly retry?: RetryOptions;
  readonly fetchTimeoutMs?: number;
}

/**
 * Maps `mail-*`, `webhook-*`, `pre-webhook-*` and `cronitor-endpoint` keys to notifier options,
 * applying Dkron's rules: mail needs `mail-host` and `mail-port`, each webhook needs its endpoint and
 * its payload; a channel missing either is left out. Cronitor needs only its endpoint.
 *
 * @throws {DkronError} `VALIDATION` when `cronitor-endpoint` is set but is not an `http:` or
 *   `https:` URL. The message names the key and never repeats the value, which holds the API key.
 */
export function toNotifierOptions(
  config: NotificationConfig,
  logger: Logger,
  tuning: NotifierTuning = {},
): NotifierOptions {
  return {
    nodeName: config.nodeName,
    logger,
    ...(config.mailHost !== '' && config.mailPort > 0
      ? {
          mail: {
            host: config.mailHost,
            port: config.mailPort,
            username: config.mailUsername,
            password: config.mailPassword,
            from: config.mailFrom,
            payload: config.mailPayload,
            subjectPrefix: config.mailSubjectPrefix,
          },
        }
      : {}),
    ...(config.webhookEndpoint !== '' && config.webhookPayload !== ''
      ? {
          webhook: {
            endpoint: config.webhookEndpoint,
            payload: config.webhookPayload,
            headers: config.webhookHeaders,
          },
        }
      : {}),
    ...(config.preWebhookEndpoint !== '' && config.preWebhookPayload !== ''
      ? {
          preWebhook: {
            endpoint: config.preWebhookEndpoint,
            payload: config.preWebhookPayload,
            headers: config.preWebhookHeaders,
          },
        }
      : {}),
    ...(config.cronitorEndpoint.trim() !== ''
      ? { cronitor: { endpoint: checkedCronitorEndpoint(config.cronitorEndpoint.trim()) } }
      : {}),
    ...tuning,
  };
}

// Unlike a webhook's, Cronitor's endpoint is checked at start: it is a single value with nothing
// else to get wrong, and a typo would otherwise only show as a failed ping of every execution.
function checkedCronitorEndpoint(text: string): string {
  try {
    cronitorEndpoint(text);
  } catch (error) {
    throw new DkronError('VALIDATION', error instanceof Error ? error.message : String(error), {
      details: { field: 'cronitor-endpoint' },
    });
  }
  return text;
}
