import { DkronError } from '@dkron-core/plugin-api';

/**
 * What a failed rqlite request means for the caller:
 * - `unavailable`: the cluster has no leader now (503, 502, 504, or a 500 about leadership/timeouts); retry later.
 * - `connection`: the node did not answer (refused, reset, timed out); try the next node.
 * - `disk-full`: the node's disk is full; surface at once as `UNAVAILABLE` saying so.
 * - `fatal`: retrying cannot help (bad request, unexpected answer); surface at once.
 */
export type FailureKind = 'unavailable' | 'connection' | 'disk-full' | 'fatal';

/** A classified failure with a message fit for logs and errors. */
export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly cause: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_NETWORK',
  // undici
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

// rqlite answers 500 with these texts when leadership moves under a request; the request may be retried.
const TRANSIENT_500 = /leader|leadership|timeout|timed out|shutdown|shutting down|not open|unavailable/i;

/**
 * Texts of a 200 whose top-level `error` means "not now" rather than "never": a restarting node answers
 * `{"error":"store not open"}` until its store is loaded, a node losing leadership says so, and a
 * follower whose leader just died says it failed to forward the request to it ("node failed to process
 * Execute on remote node at …: connect: connection refused") until a new leader is elected. The request
 * is retried like a connection error (every write is idempotent, so a forward cut mid-way is safe too).
 */
const TRANSIENT_ANSWER =
  /store not open|not leader|leader not found|leadership lost|no leader|shutting down|shutdown|timeout|timed out|failed to process \w+ on remote node/i;

/** What SQLite and rqlite's Raft log say when the disk is full. */
const DISK_FULL = /no space left on device|database or disk is full|ENOSPC/i;

/** True when an rqlite error text means the store's disk is full. */
export function isDiskFullText(text: string): boolean {
  return DISK_FULL.test(text);
}

/** True when an rqlite top-level error text means "retry later" (nothing was applied). */
export function isTransientAnswer(text: string): boolean {
  return TRANSIENT_ANSWER.test(text) && !DISK_FULL.test(text);
}

/**
 * The error of a write refused because the store's disk is full: `UNAVAILABLE` (HTTP 503), its message
 * saying so, `details.reason` = `disk-full`. Not retried: space does not come back within a request.
 */
export function diskFullError(detail: string): DkronError {
  return new DkronError('UNAVAILABLE', `store disk full: ${detail}`, { details: { reason: 'disk-full' } });
}

/** True for the error of {@link diskFullError}. */
export function isDiskFull(error: unknown): boolean {
  return error instanceof DkronError && error.details.reason === 'disk-full';
}

/** A 200 answer whose top-level `error` is transient (see {@link isTransientAnswer}): retried. */
export class TransientAnswer extends Error {
  override readonly name = 'TransientAnswer';
}

interface AxiosLikeError {
  code?: unknown;
  message?: unknown;
  response?: { status?: unknown; data?: unknown };
}

function bodyText(data: unknown): string {
  if (typeof data === 'string') return data.trim();
  if (data === undefined || data === null) return '';
  return JSON.stringify(data);
}

/** Classifies what rqlite-js (axios) threw for one request. */
export function classifyFailure(thrown: unknown): Failure {
  const e = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as AxiosLikeError;
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  if (thrown instanceof TransientAnswer)
    return { kind: 'unavailable', message: thrown.message, cause: thrown };
  if (status !== undefined) {
    const text = bodyText(e.response?.data);
    const message = `rqlite answered HTTP ${status}${text ? `: ${text}` : ''}`;
    if (isDiskFullText(text)) return { kind: 'disk-full', message, cause: thrown };
    if (status === 503 || status === 502 || status === 504)
      return { kind: 'unavailable', message, cause: thrown };
    if (status === 500 && TRANSIENT_500.test(text)) return { kind: 'unavailable', message, cause: thrown };
    return { kind: 'fatal', message, cause: thrown };
  }
  const code = typeof e.code === 'string' ? e.code : '';
  const detail = typeof e.message === 'string' ? e.message : String(thrown);
  if (CONNECTION_CODES.has(code)) return { kind: 'connection', message: `${code}: ${detail}`, cause: thrown };
  return { kind: 'fatal', message: detail, cause: thrown };
}

/** The error thrown when the store stays unreachable past the deadline. */
export function unavailableError(deadlineMs: number, last: Failure | undefined): DkronError {
  const why = last ? `: ${last.message}` : '';
  return new DkronError('UNAVAILABLE', `rqlite unavailable after ${deadlineMs} ms${why}`, {
    cause: last?.cause,
  });
}
