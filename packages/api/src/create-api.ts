import { DkronError } from '@dkron-core/plugin-api';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { prettyJSON } from 'hono/pretty-json';
import { getPath } from 'hono/utils/url';
import { createAccessControl } from './internal/acl/access-control.js';
import { checkRouteAccess } from './internal/acl/route-access.js';
import { setUiAclEnabled } from './internal/acl/ui-flag.js';
import { createAuditRecorder } from './internal/audit/recorder.js';
import type { RouteDeps } from './internal/deps.js';
import { createErrorHandler } from './internal/errors.js';
import { checkContentType } from './internal/guard/content-type.js';
import { createCors } from './internal/guard/cors.js';
import { createCrossOriginGuard } from './internal/guard/cross-origin.js';
import { type Gate, setGate } from './internal/guard/gate.js';
import { aclRoutes } from './internal/routes/acl.js';
import { auditRoutes } from './internal/routes/audit.js';
import { clusterRoutes } from './internal/routes/cluster.js';
import { diagnosticsRoutes } from './internal/routes/diagnostics.js';
import { executionRoutes } from './internal/routes/executions.js';
import { graphRoutes } from './internal/routes/graph.js';
import { jobRoutes } from './internal/routes/jobs.js';
import { planningRoutes } from './internal/routes/planning.js';
import { systemRoutes } from './internal/routes/system.js';
import { normalizeBasePath, registerUi } from './internal/ui.js';
import type { ApiOptions } from './options.js';

const MIB = 1024 * 1024;

/**
 * Builds the Hono app of one node: Dkron's v1 API with Dkron's statuses and headers, `/health`,
 * dkron-core's extensions (`/v1/plugins`, execution streams, `/v1/openapi.json`) and, when
 * `ui.root` is given, the web UI under `/ui/`.
 *
 * Every route calls `options.agent` and nothing else. Errors are JSON `{"message","code"}`: client
 * mistakes are 4xx naming what is wrong, anything unexpected is a 500 `internal error`.
 *
 * @example
 * ```ts
 * import { serve } from '@hono/node-server';
 * serve({ fetch: createApi({ agent }).fetch, port: 8080 });
 * ```
 */
export function createApi(options: ApiOptions) {
  const { agent, logger } = options;
  const maxSize = options.bodyLimit ?? MIB;
  const basePath = normalizeBasePath(options.basePath ?? '');
  if (basePath === undefined) {
    throw new DkronError('VALIDATION', `basePath: not a path prefix such as /dkron: ${options.basePath}`);
  }
  const base = new Hono(basePath === '' ? {} : { getPath: (req) => stripPrefix(req, basePath) });
  const access = options.access
    ? createAccessControl({
        store: options.access.store,
        enabled: options.access.aclEnabled ?? false,
        ...(options.access.tokenCacheTtlMs === undefined
          ? {}
          : { cacheTtlMs: options.access.tokenCacheTtlMs }),
        ...(options.access.now ? { now: options.access.now } : {}),
      })
    : undefined;
  const deps: RouteDeps = {
    agent,
    logger,
    extras: options.extras ?? {},
    defaultTimezone: options.defaultTimezone ?? 'UTC',
    submissions: { paused: false },
    routes: () => base.routes,
    access,
    audit: createAuditRecorder({
      store: options.access?.store,
      logger,
      ...(options.access?.now ? { now: options.access.now } : {}),
    }),
    maxExecutionsPerJob: options.maxExecutionsPerJob,
  };
  setUiAclEnabled(agent, access?.enabled ?? false);

  base.use('*', async (c, next) => {
    await next();
    c.header('X-Whom', agent.nodeName);
  });
  const allowedOrigins = options.corsAllowedOrigins ?? [];
  if (allowedOrigins.length > 0) base.use('*', createCors(allowedOrigins));
  const gate: Gate = async (c, doc) => {
    if (access) await checkRouteAccess(c, doc, access);
    checkContentType(c, doc);
  };
  base.use('*', async (c, next) => {
    setGate(c, gate);
    await next();
  });
  base.use('*', createCrossOriginGuard(allowedOrigins));
  base.use('*', prettyJSON({ space: 4 })); // gin's IndentedJSON indents by four spaces
  base.use(
    '*',
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json({ message: `request body is larger than ${maxSize} bytes`, code: 'VALIDATION' }, 413),
    }),
  );
  base.onError(createErrorHandler(logger));
  base.notFound((c) =>
    c.json({ message: `no route for ${c.req.method} ${c.req.path}`, code: 'NOT_FOUND' }, 404),
  );
  if (options.ui) {
    // The UI's files are compressed for the browsers that ask (the API's JSON and streams are not).
    base.use('/ui/*', compress());
    registerUi(base, { root: options.ui.root, basePath }, agent);
  }

  return base
    .route('/', clusterRoutes(deps))
    .route('/', systemRoutes(deps))
    .route('/', jobRoutes(deps))
    .route('/', graphRoutes(deps))
    .route('/', executionRoutes(deps))
    .route('/', planningRoutes(deps))
    .route('/', diagnosticsRoutes(deps))
    .route('/', aclRoutes(deps))
    .route('/', auditRoutes(deps));
}

/** The request's path without the proxy prefix (`/dkron/v1/jobs` → `/v1/jobs`); other paths as they are. */
function stripPrefix(req: Request, prefix: string): string {
  const path = getPath(req);
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
}

/** The app's type, for a typed client: `hc<AppType>('http://localhost:8080')`. */
export type AppType = ReturnType<typeof createApi>;
