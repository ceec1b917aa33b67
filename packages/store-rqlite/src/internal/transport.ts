import { Agent } from 'node:http';
import { DataApiClient, type HttpRequestOptions, type RawResponse } from 'rqlite-js';
import { Pool } from 'undici';

/** The data-API endpoints used: `/db/query` (reads), `/db/execute` (writes), `/db/request` (both, via Raft). */
export type Endpoint = 'query' | 'execute' | 'request';

/** URL parameters of one data-API request. */
export interface RequestParams {
  readonly level?: string;
  readonly transaction?: boolean;
}

/**
 * Sends one data-API request to one node. A non-2xx answer rejects with an error carrying
 * `response: { status, data }` (axios's shape, which `classifyFailure` reads); a network failure rejects with
 * the socket error and its `code`.
 */
export interface Transport {
  post(
    node: number,
    endpoint: Endpoint,
    statements: readonly unknown[],
    params: RequestParams,
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

/** Which HTTP stack carries the requests. */
export type TransportKind = 'rqlite-js' | 'undici';

/** HTTP Basic credentials of an rqlite user (rqlited `-auth`). */
export interface RqliteCredentials {
  readonly username: string;
  readonly password: string;
}

/** The `Authorization` header value of `credentials`. */
export function basicAuthorization(credentials: RqliteCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * rqlite-js with its own retries off (the client retries with a deadline) and a request timeout, which its
 * `query`/`execute` methods do not let a caller pass.
 */
class SingleNodeDataClient extends DataApiClient {
  readonly #timeoutMs: number;

  constructor(url: string, agent: Agent, timeoutMs: number, credentials: RqliteCredentials | undefined) {
    super(url, {
      httpAgent: agent,
      activeHostRoundRobin: false,
      ...(credentials ? { authentication: credentials } : {}),
    });
    this.#timeoutMs = timeoutMs;
  }

  override fetch(options: HttpRequestOptions): Promise<RawResponse> {
    return super.fetch({ ...options, retries: 0, timeout: this.#timeoutMs });
  }
}

function createRqliteJsTransport(
  urls: readonly string[],
  timeoutMs: number,
  credentials: RqliteCredentials | undefined,
): Transport {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const nodes = urls.map((url) => new SingleNodeDataClient(url, agent, timeoutMs, credentials));
  return {
    post(node, endpoint, statements, params) {
      const client = nodes[node]!;
      const body = statements as unknown[];
      if (endpoint === 'query') return client.query(body, { raw: true, level: params.level as 'weak' });
      if (endpoint === 'execute') {
        return client.execute(body, params.transaction ? { raw: true, transaction: true } : { raw: true });
      }
      // rqlite-js has no method for the unified endpoint; its HTTP layer carries it the same way.
      return client.fetch({
        uri: '/db/request',
        httpMethod: 'POST',
        body,
        query: params.transaction ? { transaction: true } : {},
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

class HttpStatusError extends Error {
  readonly response: { status: number; data: string };

  constructor(status: number, data: string) {
    super(`HTTP ${status}`);
    this.response = { status, data };
  }
}

function createUndiciTransport(
  urls: readonly string[],
  timeoutMs: number,
  credentials: RqliteCredentials | undefined,
): Transport {
  const pools = urls.map((url) => new Pool(url, { connections: 32, pipelining: 1 }));
  const authorization = credentials ? { authorization: basicAuthorization(credentials) } : {};
  return {
    async post(node, endpoint, statements, params) {
      const query = new URLSearchParams();
      if (params.level !== undefined) query.set('level', params.level);
      if (params.transaction) query.set('transaction', 'true');
      const search = query.toString() === '' ? '' : `?${query}`;
      const response = await pools[node]!.request({
        method: 'POST',
        path: `/db/${endpoint}${search}`,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...authorization },
        body: JSON.stringify(statements),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      if (response.statusCode < 200 || response.statusCode >= 300) {
        throw new HttpStatusError(response.statusCode, await response.body.text());
      }
      return { status: response.statusCode, body: await response.body.json() };
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

/** A transport of `kind` to `urls`, with a per-request timeout, sending `credentials` when given. */
export function createTransport(
  kind: TransportKind,
  urls: readonly string[],
  timeoutMs: number,
  credentials?: RqliteCredentials,
): Transport {
  return kind === 'undici'
    ? createUndiciTransport(urls, timeoutMs, credentials)
    : createRqliteJsTransport(urls, timeoutMs, credentials);
}
