/**
 * The webhook client. It uses `node:http`/`node:https` rather than `fetch` because a webhook's
 * `Host:` header must set the request host (Dkron's `req.Host`), and `fetch` forbids that header.
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
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const client = send(url, { method: 'POST', headers, signal: req.signal }, (res) => {
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

/** POSTs `body` and fails unless the receiver answers 2xx. */
export async function postOk(req: PostRequest): Promise<PostResponse> {
  const res = await httpPost(req);
  if (res.status < 200 || res.status > 299) {
    throw new Error(`HTTP ${res.status} from ${new URL(req.url).origin}${res.body ? `: ${res.body}` : ''}`);
  }
  return res;
}
