/**
 * What the commands that talk to a server over its API share: `--http-addr`, `--token` (or
 * `DKRON_TOKEN`), requests with the token as `Authorization: Bearer`, and failures as messages.
 */

import { UsageError } from '../config/errors.js';
import type { CliContext, FlagDoc } from './types.js';

/** `--http-addr`: the server to talk to. */
export const ADDR_FLAG: FlagDoc = {
  name: 'http-addr',
  takesValue: true,
  placeholder: 'url',
  default: 'http://127.0.0.1:8080',
  env: 'DKRON_HTTP_ADDR',
  description: 'base URL (or host:port) of the dkron-core or Dkron server',
};

/** `--token`: the caller's ACL token. */
export const TOKEN_FLAG: FlagDoc = {
  name: 'token',
  takesValue: true,
  placeholder: 'secret',
  env: 'DKRON_TOKEN',
  description: 'secret of the ACL token to send (servers with ACLs on)',
};

/** `http://h:p`, `h:p` or `:p` → a base URL without a trailing slash. */
export function toBaseUrl(addr: string): string {
  const trimmed = addr.trim().replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) return trimmed;
  if (/^:\d+$/.test(trimmed)) return `http://127.0.0.1${trimmed}`;
  if (/^[^/\s]+:\d+$/.test(trimmed)) return `http://${trimmed}`;
  throw new UsageError(
    `--http-addr: invalid address ${JSON.stringify(addr)} (expected http://host:port or host:port)`,
  );
}

type Flags = ReadonlyMap<string, readonly string[]>;

/** A client of the server the flags name. */
export interface ApiClient {
  readonly base: string;
  /** Sends a request to `path` (with the token); never throws on an HTTP status. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Sends JSON and parses the JSON answer; a non-2xx answer throws its message. */
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The client of `--http-addr` (or `DKRON_HTTP_ADDR`) with `--token` (or `DKRON_TOKEN`). */
export function apiClient(flags: Flags, context: CliContext): ApiClient {
  const base = toBaseUrl(
    flags.get('http-addr')?.at(-1) ?? context.env.DKRON_HTTP_ADDR ?? 'http://127.0.0.1:8080',
  );
  const token = flags.get('token')?.at(-1) ?? context.env.DKRON_TOKEN;
  if (token !== undefined && token.trim() === '') throw new UsageError('--token: the token secret is empty');
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('Authorization', `Bearer ${token.trim()}`);
    const url = `${base}${path}`;
    try {
      return await fetch(url, { ...init, headers });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new Error(`cannot reach ${url}: ${cause}`);
    }
  };
  return {
    base,
    request,
    async json<T>(method: string, path: string, body?: unknown) {
      const response = await request(path, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      });
      if (!response.ok) throw await failure(response, `${method} ${path}`);
      return (await response.json()) as T;
    },
  };
}

/** An error for a non-2xx answer: the JSON `message` (dkron-core) or the body text (Dkron). */
export async function failure(response: Response, what: string): Promise<Error> {
  const text = await response.text();
  let message = text;
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null && 'message' in body) message = String(body.message);
  } catch {
    // A plain-text body (Dkron) is the message itself.
  }
  const hint = response.status === 401 ? ' (pass a token with --token or DKRON_TOKEN)' : '';
  return new Error(`${what} failed: HTTP ${response.status}${message ? `: ${message}` : ''}${hint}`);
}
