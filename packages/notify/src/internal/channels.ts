/**
 * Which sends a start or a result causes, each ready to run: the configuration is read and checked
 * once, here, and each send carries its rendered message.
 */

import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import {
  type CronitorOptions,
  DEFAULT_SUBJECT_PREFIX,
  type MailOptions,
  type NotifierOptions,
  type WebhookOptions,
} from '../options.js';
import { type CompiledTemplate, compileTemplate, renderCompiled, type TemplateData } from '../template.js';
import { type CronitorState, cronitorEndpoint, cronitorPingUrl, resultState } from './cronitor.js';
import { parseHeaders } from './headers.js';
import { getOk, postOk, webhookUrl } from './http-post.js';
import { recipients, wantsNotification } from './per-job.js';
import { jobMailText, jobWebhookBody, mailSubject, templateData } from './report.js';
import { createMailer, type Mailer } from './smtp.js';

/** One message to one channel. */
export interface Send {
  /** `email`, `webhook`, `pre-webhook`, `cronitor`, `job-email` or `job-webhook`. */
  readonly channel: string;
  /** Recipients, or the HTTP endpoint's origin (never its path, which often holds a secret). */
  readonly target: string;
  run(signal: AbortSignal): Promise<void>;
}

/** The sends of each event. */
export interface Channels {
  started(job: Job, execution: Execution): Send[];
  finished(job: Job, execution: Execution): Send[];
  close(): void;
}

interface Webhook {
  readonly endpoint: string;
  readonly template: CompiledTemplate;
  readonly headers: Readonly<Record<string, string>>;
  readonly host: string | undefined;
}

/** Reads `options` once; misconfigurations are logged now, at start, as warnings. */
export function createChannels(options: NotifierOptions, timeoutMs: number): Channels {
  const { logger, nodeName } = options;
  const mail = usableMail(options.mail);
  const mailer = mail ? createMailer(mail, timeoutMs) : undefined;
  const subjectPrefix = mail?.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  const mailTemplate = mail?.payload ? checkedTemplate(mail.payload, 'mail-payload', logger) : undefined;
  const webhook = usableWebhook(options.webhook, 'webhook', logger);
  const preWebhook = usableWebhook(options.preWebhook, 'pre-webhook', logger);
  const cronitor = usableCronitor(options.cronitor, logger);

  const emailTo = (channel: string, to: string[], subject: string, text: string): Send => ({
    channel,
    target: to.join(', '),
    async run() {
      const refused = await (mailer as Mailer).send({ to, subject, text });
      if (refused.length > 0) logger.warn('notification recipients refused', { channel, refused });
    },
  });

  return {
    started(job, execution) {
      const sends: Send[] = [];
      if (cronitor) sends.push(ping(cronitor, job, execution, 'run'));
      if (preWebhook) sends.push(post('pre-webhook', preWebhook, templateData(nodeName, job, execution)));
      return sends;
    },
    finished(job, execution) {
      const sends: Send[] = [];
      const owner = job.owner_email.trim();
      const ownerMailed = mailer !== undefined && owner !== '';
      const rule = job.notify;
      const perJob = rule !== null && wantsNotification(rule.on, execution);
      if (cronitor) sends.push(ping(cronitor, job, execution, resultState(execution)));
      // Called for every finished run: without a channel to serve, build nothing.
      if (!ownerMailed && !webhook && !perJob) return sends;
      const data = templateData(nodeName, job, execution);
      const subject = mailSubject(subjectPrefix, job, execution);
      if (ownerMailed) {
        const body = mailTemplate ? renderCompiled(mailTemplate, data) : execution.output;
        sends.push(emailTo('email', [owner], subject, body));
      }
      if (webhook) sends.push(post('webhook', webhook, data));
      if (!rule || !perJob) return sends;
      if (rule.webhook) sends.push(jobWebhook(rule.webhook, job, execution));
      // The owner already gets the global email of this result; a second copy would be noise.
      const to = recipients(rule.email).filter(
        (a) => !(ownerMailed && a.toLowerCase() === owner.toLowerCase()),
      );
      if (to.length > 0 && mailer) {
        sends.push(emailTo('job-email', to, subject, jobMailText(nodeName, job, execution)));
      } else if (to.length > 0) {
        logger.warn('notify.email is set but no mail server is configured (mail-host, mail-port)', {
          job: job.name,
          execution: execution.id,
        });
      }
      return sends;
    },
    close() {
      mailer?.close();
    },
  };
}

// Dkron mails only when both mail-host and mail-port are set.
function usableMail(mail: MailOptions | undefined): MailOptions | undefined {
  return mail && mail.host !== '' && mail.port > 0 ? mail : undefined;
}

// Dkron calls a webhook only when both its endpoint and its payload are set.
function usableWebhook(hook: WebhookOptions | undefined, name: string, logger: Logger): Webhook | undefined {
  if (!hook || hook.endpoint === '' || hook.payload === '') return undefined;
  try {
    webhookUrl(hook.endpoint);
  } catch (error) {
    logger.warn(`${name}-endpoint is not usable; every call will fail`, { error: String(error) });
  }
  const { headers, host, invalid } = parseHeaders(hook.headers);
  if (invalid.length > 0)
    logger.warn(`${name}-headers entries ignored (expected "Name: value")`, { invalid });
  return {
    endpoint: hook.endpoint,
    template: checkedTemplate(hook.payload, `${name}-payload`, logger),
    headers,
    host,
  };
}

// Dkron pings Cronitor whenever cronitor-endpoint is set.
function usableCronitor(options: CronitorOptions | undefined, logger: Logger): string | undefined {
  if (!options || options.endpoint === '') return undefined;
  try {
    cronitorEndpoint(options.endpoint);
  } catch (error) {
    logger.warn('cronitor-endpoint is not usable; every ping will fail', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return options.endpoint;
}

function checkedTemplate(text: string, name: string, logger: Logger): CompiledTemplate {
  const template = compileTemplate(text);
  if (!template.ok) {
    logger.warn(`${name} is not a usable template; it will be sent as an error text`, {
      reason: template.reason,
    });
  }
  return template;
}

const origin = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
};

function post(channel: string, hook: Webhook, data: TemplateData): Send {
  const body = renderCompiled(hook.template, data);
  return {
    channel,
    target: origin(hook.endpoint),
    async run(signal) {
      await postOk({ url: hook.endpoint, body, headers: hook.headers, host: hook.host, signal });
    },
  };
}

function ping(endpoint: string, job: Job, execution: Execution, state: CronitorState): Send {
  return {
    channel: 'cronitor',
    target: origin(endpoint),
    async run(signal) {
      // Built here, not when planned, so an unusable endpoint is reported as this channel's failure.
      await getOk({ url: cronitorPingUrl(endpoint, job, execution, state), signal });
    },
  };
}

function jobWebhook(url: string, job: Job, execution: Execution): Send {
  const body = jobWebhookBody(job, execution);
  return {
    channel: 'job-webhook',
    target: origin(url),
    async run(signal) {
      await postOk({ url, body, headers: { 'Content-Type': 'application/json' }, signal });
    },
  };
}
