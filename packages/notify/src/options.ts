/**
 * Options of {@link createNotifier}: Dkron's global `mail-*`, `webhook-*`, `pre-webhook-*` and
 * `cronitor-endpoint` settings plus delivery tuning.
 */

import type { Logger } from '@dkron-core/plugin-api';

/** SMTP settings (Dkron's `mail-*` keys). Mail is sent only when `host` and `port` are set. */
export interface MailOptions {
  readonly host: string;
  /** SMTP port; 465 uses implicit TLS, other ports upgrade with STARTTLS when the server offers it. */
  readonly port: number;
  /** With `password`, enables SMTP AUTH PLAIN; when either is empty no AUTH is sent (as Dkron). */
  readonly username?: string;
  readonly password?: string;
  /** `From` address (`mail-from`). */
  readonly from: string;
  /** Body template of the global email (`mail-payload`); when empty the body is the raw output, as Dkron. */
  readonly payload?: string;
  /** Subject prefix (`mail-subject-prefix`, default `[Dkron]`); no space is added after it, as Dkron. */
  readonly subjectPrefix?: string;
}

/** A webhook (Dkron's `webhook-*` or `pre-webhook-*` keys). Sent only when `endpoint` and `payload` are set. */
export interface WebhookOptions {
  /** `http:` or `https:` URL that receives a `POST`. */
  readonly endpoint: string;
  /** Body template. */
  readonly payload: string;
  /** `Name: value` entries; a `Host` entry sets the request's host. */
  readonly headers?: readonly string[];
}

/** Cronitor telemetry (Dkron's `cronitor-endpoint`). Pinged only when `endpoint` is set. */
export interface CronitorOptions {
  /**
   * `http:` or `https:` base URL of the pings, usually `https://cronitor.link/p/<api key>`; the
   * job name is appended as a path segment.
   */
  readonly endpoint: string;
}

/** Retry policy applied to every single send (one email, one webhook call, one Cronitor ping). */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 3. */
  readonly attempts?: number;
  /** Wait before the second attempt; doubles for each further one. Default 1000 ms. */
  readonly initialDelayMs?: number;
  /** Cap of the wait between attempts. Default 30 000 ms. */
  readonly maxDelayMs?: number;
}

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /** This node's name: `{{.ReportingNode}}` and the report's "Reporting node". */
  readonly nodeName: string;
  /** Receives delivery failures (error), skipped channels (warn) and successes (debug). */
  readonly logger: Logger;
  /** SMTP server of the global (`owner_email`) and per-job (`notify.email`) emails. */
  readonly mail?: MailOptions;
  /** Global post-execution webhook. */
  readonly webhook?: WebhookOptions;
  /** Global pre-execution webhook. */
  readonly preWebhook?: WebhookOptions;
  /** Cronitor pings of every execution start (`state=run`) and result (`state=complete|fail`). */
  readonly cronitor?: CronitorOptions;
  readonly retry?: RetryOptions;
  /** Time limit of each attempt of each send, HTTP and SMTP alike. Default 10 000 ms. */
  readonly fetchTimeoutMs?: number;
}

/** Default number of attempts of a send. */
export const DEFAULT_ATTEMPTS = 3;
/** Default wait before the second attempt. */
export const DEFAULT_INITIAL_DELAY_MS = 1000;
/** Default cap of the wait between attempts. */
export const DEFAULT_MAX_DELAY_MS = 30_000;
/** Default time limit of one attempt. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Dkron's default `mail-subject-prefix`. */
export const DEFAULT_SUBJECT_PREFIX = '[Dkron]';
