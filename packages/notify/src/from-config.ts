/** Builds {@link NotifierOptions} from the agent's configuration keys. */

import type { Logger } from '@dkron-core/plugin-api';
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
}

/** Extra settings of {@link toNotifierOptions} that have no Dkron configuration key. */
export interface NotifierTuning {
  readonly retry?: RetryOptions;
  readonly fetchTimeoutMs?: number;
}

/**
 * Maps `mail-*`, `webhook-*` and `pre-webhook-*` keys to notifier options, applying Dkron's rules:
 * mail needs `mail-host` and `mail-port`, each webhook needs its endpoint and its payload; a channel
 * missing either is left out.
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
    ...tuning,
  };
}
