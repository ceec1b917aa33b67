import { DkronError } from '@dkron-core/plugin-api';

/**
 * What a failed rqlite request means for the caller:
 * - `unavailable`: the cluster has no leader now (503, 502, 504, or a 500 about leadership/timeouts); retry later.
 * - `connection`: the node did not answer (refused, reset, timed out); try the next node.
 * - `fatal`: retrying cannot help (bad request, unexpected answer); surface at once.
 */
export type FailureKind = 'unavailable' | 'connection' | 'fatal';

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
  if (status !== undefined) {
    const text = bodyText(e.response?.data);
    const message = `rqlite answered HTTP ${status}${text ? `: ${text}` : ''}`;
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
