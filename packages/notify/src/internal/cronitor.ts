/**
 * Dkron's Cronitor telemetry: a `GET <cronitor-endpoint>/<job>?host=…&message=…&series=…&state=…`
 * ping when an execution starts (`state=run`) and when it ends (`state=complete` or `state=fail`).
 */

import type { Execution, Job } from '@dkron-core/plugin-api';
import { PermanentError } from './retry.js';

/** What a ping reports: the run started, succeeded or failed. */
export type CronitorState = 'run' | 'complete' | 'fail';

/** The `message` of each ping, Dkron's texts (`Job <state> by Dkron`, the result's even when it failed). */
export const CRONITOR_MESSAGES: Readonly<Record<CronitorState, string>> = {
  run: 'Job run by Dkron',
  complete: 'Job complete by Dkron',
  fail: 'Job complete by Dkron',
};

/**
 * Reads `cronitor-endpoint`: an `http:` or `https:` URL, else a {@link PermanentError} whose message
 * names the key and never repeats the value, which holds the Cronitor API key.
 */
export function cronitorEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PermanentError(
      'cronitor-endpoint: not a valid URL; expected an http or https URL such as https://cronitor.link/p/<api key>',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PermanentError(`cronitor-endpoint: must be an http or https URL, got a "${url.protocol}" URL`);
  }
  return url;
}

/**
 * The ping URL of one execution: the job name is appended to the endpoint's path as one
 * percent-encoded segment (a `/` in it cannot reach another monitor), and `host` (the node that ran
 * the execution), `message`, `series` (the execution id, the same in the run and the result ping so
 * Cronitor pairs them) and `state` are added to the endpoint's own query, which is kept as written.
 */
export function cronitorPingUrl(endpoint: string, job: Job, execution: Execution, state: CronitorState): URL {
  const url = cronitorEndpoint(endpoint);
  const name = execution.job_name || job.name;
  // Dot segments, which URL resolution would remove (kernel-validated names never are).
  if (name === '.' || name === '..') {
    throw new PermanentError(`job name ${JSON.stringify(name)} cannot be a URL path segment`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(name)}`;
  const ping = new URLSearchParams({
    host: execution.node_name,
    message: CRONITOR_MESSAGES[state],
    series: execution.id,
    state,
  }).toString();
  const own = url.search.slice(1);
  url.search = own === '' ? ping : `${own}&${ping}`;
  url.hash = '';
  return url;
}

/** `complete` for a successful execution, `fail` for any other result (Dkron's `success` flag). */
export const resultState = (execution: Execution): CronitorState => (execution.success ? 'complete' : 'fail');
