import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The `host[:port]` of an `Origin` header value, or `undefined` for `null` and garbage. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Refuses state-changing requests that a browser sends on behalf of a page of another origin
 * (CSRF), with Go's `net/http.CrossOriginProtection` rules: `Sec-Fetch-Site: same-origin` or `none`
 * passes; without `Sec-Fetch-Site`, a request without `Origin` (not a browser: curl, the CLI, Dkron's
 * clients) passes, and one whose `Origin` names this host passes. An origin listed in
 * `--cors-allowed-origins` always passes. Everything else is a 403.
 *
 * This covers what a content-type check cannot: body-less POSTs (`/v1/leave`, `/run`) and
 * `multipart/form-data` restores, which any page may send without a preflight.
 */
export function createCrossOriginGuard(allowedOrigins: readonly string[]): MiddlewareHandler {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const site = c.req.header('Sec-Fetch-Site')?.toLowerCase();
    if (site === 'same-origin' || site === 'none') return next();
    const origin = c.req.header('Origin');
    if (site === undefined && origin === undefined) return next();
    if (origin !== undefined && (any || allowed.has(origin))) return next();
    if (
      site === undefined &&
      origin !== undefined &&
      hostOf(origin) === new URL(c.req.url).host.toLowerCase()
    ) {
      return next();
    }
    throw new HttpError(
      'FORBIDDEN',
      `cross-origin request from ${origin ?? `another site (Sec-Fetch-Site: ${site})`} refused: ` +
        'state-changing requests must come from the same origin or one listed in --cors-allowed-origins',
    );
  };
}
