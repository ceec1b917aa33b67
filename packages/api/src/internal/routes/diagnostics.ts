import { Hono } from 'hono';
import type { RouteDeps } from '../deps.js';
import { describe } from '../describe.js';

/**
 * `GET /metrics` and `GET /debug/vars`, each registered only when the app is given the capability
 * (Dkron registers `/metrics` only with `--enable-prometheus`).
 */
export function diagnosticsRoutes({ extras }: RouteDeps) {
  const app = new Hono();
  const metrics = extras.metrics?.bind(extras);
  const debugVars = extras.debugVars?.bind(extras);
  if (metrics) {
    app.get(
      '/metrics',
      describe({
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description: 'Text exposition format; never compressed (Dkron v4.1). Only with --enable-prometheus.',
        tags: ['system'],
        responses: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
      }),
      async (c) => {
        const { contentType, body } = await metrics();
        return c.body(body, 200, { 'Content-Type': contentType });
      },
    );
  }
  if (debugVars) {
    app.get(
      '/debug/vars',
      describe({
        operationId: 'debugVars',
        summary: 'Process and scheduler facts',
        description: "Dkron's expvar dump: command line, memory, scheduler state, node.",
        tags: ['system'],
        responses: { 200: { description: 'A JSON object.' } },
      }),
      async (c) => c.json(await debugVars(), 200),
    );
  }
  return app;
}
