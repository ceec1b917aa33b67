import type { MiddlewareHandler } from 'hono';

/** Headers a browser on an allowed origin may read (the UI's data provider needs `X-Total-Count`). */
const EXPOSED_HEADERS = 'X-Total-Count,Location,X-Whom';
const ALLOWED_METHODS = 'GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS';

/**
 * CORS for the origins an operator named (`--cors-allowed-origins`; `*` for any). Nothing at all
 * for other origins: no `Access-Control-*` header, and preflights are not answered, so a page on
 * another origin can neither read an answer nor send a non-simple request.
 */
export function createCors(allowedOrigins: readonly string[]): MiddlewareHandler {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    const origin = c.req.header('Origin');
    const ok = origin !== undefined && (any || allowed.has(origin));
    const allowOrigin = any ? '*' : (origin ?? '');
    if (ok && c.req.method === 'OPTIONS' && c.req.header('Access-Control-Request-Method')) {
      const headers = new Headers({
        'Access-Control-Allow-Origin': allowOrigin,
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers':
          c.req.header('Access-Control-Request-Headers') ?? 'Authorization,Content-Type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin, Access-Control-Request-Headers',
      });
      return new Response(null, { status: 204, headers });
    }
    await next();
    if (!any) c.header('Vary', 'Origin', { append: true });
    if (ok) {
      c.header('Access-Control-Allow-Origin', allowOrigin);
      c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
  };
}
