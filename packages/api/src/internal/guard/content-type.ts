import type { Context } from 'hono';
import type { RouteDoc } from '../describe.js';
import { HttpError } from '../errors.js';

/** `application/json` and `application/<anything>+json`, parameters and case ignored. */
export function isJsonType(header: string | undefined): boolean {
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * A route that takes a JSON body refuses any other `Content-Type` with a 415, a missing one too.
 * Browsers send `text/plain`, form and header-less bodies to other origins without a preflight; a
 * JSON body they can only send after one, which CORS answers for no origin unless configured.
 */
export function checkContentType(c: Context, doc: RouteDoc): void {
  if (doc.body?.contentType !== 'application/json') return;
  const header = c.req.header('Content-Type');
  if (isJsonType(header)) return;
  const got = header?.split(';')[0]?.trim() || 'none';
  // `curl -d` sends form-urlencoded: say how to fix the most common case.
  const hint =
    got.toLowerCase() === 'application/x-www-form-urlencoded'
      ? " (curl -d sends that: add -H 'Content-Type: application/json')"
      : '';
  throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${got}${hint}`);
}
