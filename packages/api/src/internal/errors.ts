import { DkronError, type DkronErrorCode, isDkronError, type Logger } from '@dkron-core/plugin-api';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly message: string;
  readonly code: string;
  /** The offending input field, when the error names one. */
  readonly field?: string;
}

/**
 * Status of each code. `CONFLICT` is 409 although Dkron answers its one conflict (deleting a job
 * that has children) with a 404: Dkron clients (UI, CLI, Terraform provider) only test for a
 * non-2xx status, and a 409 tells a human what actually went wrong.
 */
const STATUS: Partial<Record<DkronErrorCode, ContentfulStatusCode>> = {
  VALIDATION: 400,
  SCHEDULE_INVALID: 400,
  CONFIG_INVALID: 400,
  EXECUTOR_NOT_FOUND: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAUSED: 503,
  UNAVAILABLE: 503,
};

/** Codes of the refusals the HTTP layer makes itself, before any route runs. */
export type HttpErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'UNSUPPORTED_MEDIA_TYPE';

const HTTP_STATUS: Record<HttpErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/**
 * A refusal of the HTTP layer (authentication, authorization, content type): these are not
 * {@link DkronError}s because nothing below the API raises them.
 */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: ContentfulStatusCode;
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: HttpErrorCode, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = HTTP_STATUS[code];
    this.headers = headers;
  }
}

/** A client error raised by Hono itself (its middleware throw `HTTPException`s). */
function isHonoClientError(error: unknown): error is HTTPException {
  return error instanceof HTTPException && error.status >= 400 && error.status < 500;
}

/** The HTTP status of an error; anything that is not a client or availability error is a 500. */
export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof HttpError) return error.status;
  if (isHonoClientError(error)) return error.status as ContentfulStatusCode;
  return (isDkronError(error) && STATUS[error.code]) || 500;
}

/** Builds the response body; a 500 never shows its message, which may carry internals. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof HttpError) return { message: error.message, code: error.code };
  if (isHonoClientError(error)) return { message: error.message || 'bad request', code: 'VALIDATION' };
  if (!isDkronError(error) || statusOf(error) === 500) {
    return { message: 'internal error', code: 'INTERNAL' };
  }
  const field = error.details.field;
  return typeof field === 'string'
    ? { message: error.message, code: error.code, field }
    : { message: error.message, code: error.code };
}

/** The one `onError` of the app: DkronError codes to statuses, everything else a logged 500. */
export function createErrorHandler(logger: Logger | undefined) {
  return (error: Error, c: Context): Response => {
    const status = statusOf(error);
    if (status === 500) {
      logger?.error('api request failed', {
        method: c.req.method,
        path: c.req.path,
        error: error.message,
        stack: error.stack,
      });
    }
    if (error instanceof HttpError)
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(toErrorBody(error), status);
  };
}

/** A `VALIDATION` error naming the offending request field. */
export function badRequest(field: string, message: string): DkronError {
  return new DkronError('VALIDATION', `${field}: ${message}`, { details: { field } });
}

/** A `NOT_FOUND` error. */
export function notFound(message: string): DkronError {
  return new DkronError('NOT_FOUND', message);
}
