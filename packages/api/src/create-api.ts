import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { prettyJSON } from 'hono/pretty-json';
import type { RouteDeps } from './internal/deps.js';
import { createErrorHandler } from './internal/errors.js';
import { clusterRoutes } from './internal/routes/cluster.js';
import { diagnosticsRoutes } from './internal/routes/diagnostics.js';
import { executionRoutes } from './internal/routes/executions.js';
import { graphRoutes } from './internal/routes/graph.js';
import { jobRoutes } from './internal/routes/jobs.js';
import { systemRoutes } from './internal/routes/system.js';
import { registerUi } from './internal/ui.js';
import type { ApiOptions } from './options.js';

const MIB = 1024 * 1024;

/** Headers a browser on another origin may read (the UI's data provider needs `X-Total-Count`). */
const EXPOSED_HEADERS = ['X-Total-Count', 'Location', 'X-Whom'];

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
  const base = new Hono();
  const deps: RouteDeps = {
    agent,
    logger,
    extras: options.extras ?? {},
    submissions: { paused: false },
    routes: () => base.routes,
    maxExecutionsPerJob: options.maxExecutionsPerJob,
  };

  base.use('*', async (c, next) => {
    await next();
    c.header('X-Whom', agent.nodeName);
  });
  base.use(
    '*',
    cors({
      origin: '*',
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: EXPOSED_HEADERS,
    }),
  );
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
  if (options.ui) registerUi(base, options.ui.root, agent);

  return base
    .route('/', clusterRoutes(deps))
    .route('/', systemRoutes(deps))
    .route('/', jobRoutes(deps))
    .route('/', graphRoutes(deps))
    .route('/', executionRoutes(deps))
    .route('/', diagnosticsRoutes(deps));
}

/** The app's type, for a typed client: `hc<AppType>('http://localhost:8080')`. */
export type AppType = ReturnType<typeof createApi>;
