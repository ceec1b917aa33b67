/**
 * The HTTP client of the webhooks and of the Cronitor pings. It uses `node:http`/`node:https`
 * rather than `fetch` because a webhook's `Host:` header must set the request host (Dkron's
 * `req.Host`), and `fetch` forbids that header.
 */

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PermanentError } from './retry.js';

/** One webhook call. */
export interface PostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Overrides the `Host` header. */
  readonly host?: string | undefined;
  readonly signal: AbortSignal;
}

/** One `GET` without a body (a Cronitor ping). */
export interface GetRequest {
  readonly url: URL;
  readonly signal: AbortSignal;
}

/** What the receiver answered. */
export interface PostResponse {
  readonly status: number;
  /** The start of the response body, for the debug log. */
  readonly body: string;
}

// Enough of a response to log; the rest is drained and dropped.
const MAX_LOGGED_BODY = 4096;

/** Reads a webhook URL; anything but `http:`/`https:` is a permanent failure. */
export function webhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PermanentError(`invalid webhook URL ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PermanentError(`webhook URL must be http or https, got ${JSON.stringify(text)}`);
  }
  return url;
}

/** POSTs `body`; resolves with any status, rejects on network errors and abort. */
export function httpPost(req: PostRequest): Promise<PostResponse> {
  const url = webhookUrl(req.url);
  const body = Buffer.from(req.body, 'utf8');
  const headers: Record<string, string | number> = {
    'User-Agent': 'dkron-core',
    ...req.headers,
    'Content-Length': body.length,
  };
  if (req.host !== undefined) headers.Host = req.host;
  return exchange('POST', url, headers, body, req.signal);
}

/** POSTs `body` and fails unless the receiver answers 2xx. */
export async function postOk(req: PostRequest): Promise<PostResponse> {
  return checked(await httpPost(req), new URL(req.url));
}

/**
 * GETs `url` (which must be `http:` or `https:`) and fails unless the receiver answers 2xx; rejects
 * on network errors and abort as well.
 */
export async function getOk(req: GetRequest): Promise<PostResponse> {
  if (req.url.protocol !== 'http:' && req.url.protocol !== 'https:') {
    throw new PermanentError(`URL must be http or https, got a ${JSON.stringify(req.url.protocol)} URL`);
  }
  const res = await exchange('GET', req.url, { 'User-Agent': 'dkron-core' }, undefined, req.signal);
  return checked(res, req.url);
}

// Only the origin goes into the error, which is logged: a path or a query often holds a secret.
function checked(res: PostResponse, url: URL): PostResponse {
  if (res.status < 200 || res.status > 299) {
    throw new Error(`HTTP ${res.status} from ${url.origin}${res.body ? `: ${res.body}` : ''}`);
  }
  return res;
}

function exchange(
  method: 'GET' | 'POST',
  url: URL,
  headers: Record<string, string | number>,
  body: Buffer | undefined,
  signal: AbortSignal,
): Promise<PostResponse> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const client = send(url, { method, headers, signal }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_LOGGED_BODY) text += chunk.slice(0, MAX_LOGGED_BODY - text.length);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    client.on('error', reject);
    client.end(body);
  });
}
