import { DkronError, isDkronError, type Logger } from '@dkron-core/plugin-api';
import type { RawResponse } from 'rqlite-js';
import { createBackoff, sleep } from './internal/backoff.js';
import {
  classifyFailure,
  diskFullError,
  type Failure,
  isDiskFullText,
  isTransientAnswer,
  TransientAnswer,
  unavailableError,
} from './internal/rqlite-errors.js';
import {
  createTransport,
  type Endpoint,
  type RequestParams,
  type RqliteCredentials,
  type TransportKind,
} from './internal/transport.js';

export type { RqliteCredentials, TransportKind } from './internal/transport.js';

/** A value bound to a `?` placeholder. Booleans are stored as 0/1 by SQLite. */
export type SqlValue = string | number | boolean | null;

/** A parameterized statement: the SQL text, then one value per `?`. */
export type SqlStatement = readonly [sql: string, ...params: SqlValue[]];

/** rqlite read consistency (see rqlite's "Read Consistency" docs). */
export type ConsistencyLevel = 'none' | 'weak' | 'linearizable' | 'strong';

/** A row keyed by column name. */
export type SqlRow = Readonly<Record<string, SqlValue>>;

/** The outcome of one write statement. */
export interface ExecuteResult {
  /** Rows the statement inserted, updated or deleted (0 when rqlite omits the key). */
  readonly rowsAffected: number;
}

/** The rows of one query statement. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly SqlRow[];
}

/** The outcome of one statement of a mixed request: rows for a read, rows affected for a write. */
export interface RequestResult extends ExecuteResult, QueryResult {}

/** Options of {@link createRqliteClient}. */
export interface RqliteClientOptions {
  /** One node URL or a comma-separated list (`http://a:4001,http://b:4001`); tried in order on connection errors. */
  readonly url: string;
  /** How long one call may keep retrying (503, no leader, unreachable nodes) before `UNAVAILABLE`. Default 10 000 ms. */
  readonly deadlineMs?: number;
  /** Timeout of a single HTTP request. Default: the deadline. */
  readonly requestTimeoutMs?: number;
  /** Default read consistency of {@link RqliteClient.query}. Default `weak`. */
  readonly level?: ConsistencyLevel;
  readonly logger?: Logger;
  /**
   * The HTTP stack: `rqlite-js` (default, the project's client library, over axios) or `undici` (a
   * keep-alive pool with less overhead per request; same retries and error handling).
   */
  readonly transport?: TransportKind;
  /** HTTP Basic credentials, for an rqlited started with `-auth` (the embedded one always is). */
  readonly credentials?: RqliteCredentials;
}

/** Options of one {@link RqliteClient.execute} call. */
export interface ExecuteOptions {
  /** Run every statement of the request atomically (rqlite `?transaction`). */
  readonly transaction?: boolean;
}

/** Options of one {@link RqliteClient.query} call. */
export interface QueryOptions {
  readonly level?: ConsistencyLevel;
}

/**
 * A client of rqlite's data API on top of `rqlite-js`. It retries what rqlite answers while it has no leader
 * (503 and friends, and a 200 saying `store not open` while a node restarts) with exponential backoff and
 * jitter up to a deadline, moves to the next node on connection errors, turns a full disk into an
 * `UNAVAILABLE` error saying `store disk full` (`details.reason: 'disk-full'`), and turns any other
 * per-statement `error` inside a 200 into a `DkronError` naming the statement.
 * Writes are never queued (`?queue` is not used): a resolved `execute` means the statements were applied.
 * After a request found a node down, restarting or without a leader, reads go at `strong` until an attempt
 * begun after that failure has gone through the Raft log (a restarted node can serve stale reads meanwhile).
 */
export interface RqliteClient {
  /** The node URLs, in the order they are tried. */
  readonly urls: readonly string[];
  /** Runs write statements; one result per statement, in order. */
  execute(statements: readonly SqlStatement[], options?: ExecuteOptions): Promise<ExecuteResult[]>;
  /** Runs read statements; one result per statement, in order. */
  query(statements: readonly SqlStatement[], options?: QueryOptions): Promise<QueryResult[]>;
  /**
   * Runs reads and writes in one round trip (`/db/request`); with a write, the whole request goes through
   * the Raft log, so its reads see its writes.
   */
  request(statements: readonly SqlStatement[], options?: ExecuteOptions): Promise<RequestResult[]>;
  /** Closes the keep-alive connections. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_DEADLINE_MS = 10_000;
const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Splits `a,b,c` into normalized base URLs (`host:port` gains `http://`, trailing slashes go). */
export function parseRqliteUrls(url: string): string[] {
  const urls = url
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u !== '')
    .map((u) => (/^https?:\/\//i.test(u) ? u : `http://${u}`));
  if (urls.length === 0) throw new DkronError('VALIDATION', `no rqlite URL in ${JSON.stringify(url)}`);
  return urls;
}

/** Creates a {@link RqliteClient}. */
export function createRqliteClient(options: RqliteClientOptions): RqliteClient {
  const urls = parseRqliteUrls(options.url);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const logger = options.logger ?? noopLogger;
  const defaultLevel = options.level ?? 'weak';
  const transport = createTransport(
    options.transport ?? 'rqlite-js',
    urls,
    options.requestTimeoutMs ?? deadlineMs,
    options.credentials,
  );
  const backoff = createBackoff(25, 1_000);
  let current = 0;
  let closing: Promise<void> | undefined;
  // Counts requests that found a node down, restarting or without a leader. A node that has just restarted
  // (or become leader) can serve reads from a database that has not replayed its log yet, at `weak` and,
  // on rqlited 8.26, at `linearizable` too (measured: values hundreds of writes old for up to ~1 s after a
  // kill -9). Until an attempt begun after the latest such failure has gone through the Raft log, reads are
  // sent at `strong`: once one answers, everything committed before it has been applied.
  let failures = 0;
  let replayedThrough = 0;

  async function send(endpoint: Endpoint, statements: readonly SqlStatement[], params: RequestParams) {
    const deadline = Date.now() + deadlineMs;
    let last: Failure | undefined;
    for (let attempt = 1; ; attempt++) {
      const index = current;
      const seen = failures;
      // Decided per attempt: the retry after a restart is exactly the read that could be stale.
      const sent = endpoint === 'query' && seen > replayedThrough ? { ...params, level: 'strong' } : params;
      try {
        const response = await transport.post(index, endpoint, statements, sent);
        const results = resultsOf(response, statements);
        if (endpoint === 'execute' || sent.level === 'strong')
          replayedThrough = Math.max(replayedThrough, seen);
        return results;
      } catch (thrown) {
        if (isDkronError(thrown)) throw thrown;
        last = classifyFailure(thrown);
        if (last.kind === 'unavailable' || last.kind === 'connection') failures++;
        if (last.kind === 'disk-full') throw diskFullError(last.message);
        if (last.kind === 'fatal') {
          throw new DkronError('INTERNAL', `rqlite ${endpoint} failed: ${last.message}`, { cause: thrown });
        }
        // Another node may have a leader (503) or be up (connection error); only wait once all were tried.
        if (urls.length > 1 && current === index) current = (index + 1) % urls.length;
        const wait = last.kind === 'unavailable' || attempt % urls.length === 0 ? backoff.delay(attempt) : 0;
        logger.debug('rqlite request failed, retrying', {
          url: urls[index],
          attempt,
          error: last.message,
          wait,
        });
        if (Date.now() + wait >= deadline) throw unavailableError(deadlineMs, last);
        if (wait > 0) await sleep(wait);
      }
    }
  }

  return {
    urls,
    async execute(statements, opts = {}) {
      if (statements.length === 0) return [];
      const results = await send('execute', statements, { transaction: opts.transaction });
      return results.map((r) => ({ rowsAffected: numberField(r, 'rows_affected') }));
    },
    async query(statements, opts = {}) {
      if (statements.length === 0) return [];
      const results = await send('query', statements, { level: opts.level ?? defaultLevel });
      return results.map(toQueryResult);
    },
    async request(statements, opts = {}) {
      if (statements.length === 0) return [];
      const results = await send('request', statements, { transaction: opts.transaction });
      return results.map((r) => ({ ...toQueryResult(r), rowsAffected: numberField(r, 'rows_affected') }));
    },
    close() {
      closing ??= transport.close();
      return closing;
    },
  };
}

/** The `results` array of a 200, after checking the top-level and per-statement `error` keys. */
function resultsOf(response: RawResponse, statements: readonly SqlStatement[]): unknown[] {
  const body = response.body as { results?: unknown; error?: unknown } | null;
  if (typeof body !== 'object' || body === null) {
    throw new DkronError('INTERNAL', `rqlite answered with no JSON body (HTTP ${response.status})`);
  }
  if (typeof body.error === 'string') {
    if (isDiskFullText(body.error)) throw diskFullError(`rqlite error: ${body.error}`);
    if (isTransientAnswer(body.error)) throw new TransientAnswer(`rqlite error: ${body.error}`);
    throw new DkronError('INTERNAL', `rqlite error: ${body.error}`);
  }
  if (!Array.isArray(body.results)) throw new DkronError('INTERNAL', 'rqlite answered without results');
  // Errors first: a failing statement in a transaction ends the results early.
  body.results.forEach((result, i) => {
    const error = (result as { error?: unknown } | null)?.error;
    if (typeof error === 'string') {
      const sql = statements[i]?.[0] ?? '?';
      if (isDiskFullText(error)) throw diskFullError(`rqlite statement ${i + 1} failed: ${error}`);
      throw new DkronError('INTERNAL', `rqlite statement ${i + 1} failed: ${error} (in: ${sql})`, {
        details: { statement: sql, index: i },
      });
    }
  });
  if (body.results.length !== statements.length) {
    throw new DkronError('INTERNAL', 'rqlite answered with a results array that does not match the request');
  }
  return body.results;
}

function numberField(result: unknown, key: string): number {
  const value = (result as Record<string, unknown> | null)?.[key];
  return typeof value === 'number' ? value : 0;
}

function toQueryResult(result: unknown): QueryResult {
  const r = result as { columns?: string[]; values?: SqlValue[][] };
  const columns = r.columns ?? [];
  const rows = (r.values ?? []).map((values) => {
    const row: Record<string, SqlValue> = {};
    columns.forEach((column, i) => {
      row[column] = values[i] ?? null;
    });
    return row;
  });
  return { columns, rows };
}
