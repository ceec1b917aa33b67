/**
 * The part of `rqlite-js` 2.5.7 this package uses (the package ships no type declarations).
 * Read from its sources: `es6/http-request/index.js`, `es6/api/client/index.js`, `es6/api/data/index.js`.
 */
declare module 'rqlite-js' {
  import type { Agent } from 'node:http';

  /** Options of `HttpRequest#fetch`; `ApiClient` forwards only uri, method, query, body and useLeader. */
  export interface HttpRequestOptions {
    uri?: string;
    httpMethod?: string;
    query?: Record<string, unknown>;
    body?: unknown;
    useLeader?: boolean;
    /** Milliseconds before axios aborts the request (rqlite-js default 30 s). */
    timeout?: number;
    /** rqlite-js's own retries (default hosts × 3). */
    retries?: number;
    maxRedirects?: number;
    [key: string]: unknown;
  }

  /** A raw answer (`raw: true`): the HTTP status and the parsed JSON body. */
  export interface RawResponse {
    status: number;
    body: unknown;
  }

  export interface DataApiClientOptions {
    httpAgent?: Agent;
    activeHostRoundRobin?: boolean;
    retryableErrorCodes?: Set<string>;
    retryableStatusCodes?: Set<number>;
  }

  export interface DataRequestOptions {
    /** Return `{ status, body }` instead of a `DataResults` (which loses the statement boundaries). */
    raw: true;
    level?: 'none' | 'weak' | 'linearizable' | 'strong';
    transaction?: boolean;
  }

  /** rqlite's data API (`/db/query`, `/db/execute`) over axios. */
  export class DataApiClient {
    constructor(hosts: string | string[], options?: DataApiClientOptions);
    query(sql: unknown[], options: DataRequestOptions): Promise<RawResponse>;
    execute(sql: unknown[], options: DataRequestOptions): Promise<RawResponse>;
    fetch(options: HttpRequestOptions): Promise<RawResponse>;
  }
}
