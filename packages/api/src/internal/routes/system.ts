import { Hono } from 'hono';
import { readRestoreFile } from '../body.js';
import type { RouteDeps } from '../deps.js';
import { describe, formBody } from '../describe.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../openapi.js';
import { parseStatsDays } from '../query.js';
import { ref } from '../schemas.js';

/** The `file` field of a restore form. */
export interface RestoreForm {
  readonly file: File | Blob | string;
}

const pauseDoc = (operationId: string, summary: string) => ({
  operationId,
  summary,
  tags: ['default'],
  responses: { 200: { description: 'The pause state of this node.', schema: ref('Pause') } },
});

/** Pause, stats, restore, plugin catalog and this API's own OpenAPI document. */
export function systemRoutes(deps: RouteDeps) {
  const { agent, submissions } = deps;
  let openApi: OpenApiDocument | undefined;
  return new Hono()
    .get('/v1/pause', describe(pauseDoc('pauseStatus', 'Are job submissions paused on this node?')), (c) =>
      c.json({ paused: submissions.paused }, 200),
    )
    .post(
      '/v1/pause',
      describe({
        ...pauseDoc('pause', 'Pause job submissions on this node'),
        description:
          'Blocks job create/update on this node only (in memory). Scheduling, runs, toggle, delete and restore go on.',
      }),
      (c) => {
        submissions.paused = true;
        return c.json({ paused: true }, 200);
      },
    )
    .post('/v1/unpause', describe(pauseDoc('unpause', 'Resume job submissions on this node')), (c) => {
      submissions.paused = false;
      return c.json({ paused: false }, 200);
    })
    .get(
      '/v1/stats',
      describe({
        operationId: 'getExecutionStats',
        summary: 'Daily execution counters',
        tags: ['statistics'],
        query: {
          days: {
            description: 'Default 30; a non-integer or a value ≤ 0 means 30, above 365 means 365 (as Dkron).',
            schema: { type: 'integer', default: 30 },
          },
        },
        responses: { 200: { description: 'One entry per day, oldest first.', schema: ref('Stats') } },
      }),
      async (c) => c.json({ stats: await agent.stats(parseStatsDays(c.req.query('days'))) }, 200),
    )
    .post(
      '/v1/restore',
      describe({
        operationId: 'restore',
        summary: 'Import jobs from a JSON file',
        description:
          'Field `file`: a JSON array of jobs (e.g. the output of `GET /v1/jobs`). Parents are saved first. ' +
          "Works while paused. The answer is a JSON string holding the serialized result array (Dkron's encoding).",
        tags: ['jobs'],
        body: formBody<RestoreForm>(
          { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
          'A form with the jobs file.',
        ),
        responses: {
          200: {
            description: 'A JSON string such as `"[\\"success create a\\",\\"fail create b\\"]"`.',
            schema: { type: 'string' },
          },
        },
        errors: {
          400: 'Not a form, the file is not a JSON array, or a job is invalid.',
          404: 'The form has no `file` field.',
          413: 'The body is larger than the limit.',
        },
      }),
      async (c) => {
        const results = await agent.restore(await readRestoreFile(c.req));
        return c.json(JSON.stringify(results), 200);
      },
    )
    .get(
      '/v1/plugins',
      describe({
        operationId: 'listPlugins',
        summary: 'Executors and processors with their config schemas',
        tags: ['plugins'],
        responses: { 200: { description: 'The catalog.', schema: ref('PluginCatalog') } },
      }),
      (c) => c.json(agent.plugins(), 200),
    )
    .get(
      '/v1/openapi.json',
      describe({
        operationId: 'openapi',
        summary: 'This OpenAPI document',
        tags: ['default'],
        responses: { 200: { description: 'OpenAPI 3.1, generated from the registered routes.', schema: {} } },
      }),
      (c) => {
        openApi ??= buildOpenApiDocument(deps.routes(), { version: agent.version });
        return c.json(openApi, 200);
      },
    );
}
