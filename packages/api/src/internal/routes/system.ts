import { unmaskJobSecrets } from '@dkron-core/kernel';
import { Hono } from 'hono';
import { actorOf, forbidden } from '../acl/actor.js';
import { jobPath } from '../acl/job-access.js';
import { jobDefinition } from '../audit/diff.js';
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
  const { agent, submissions, audit } = deps;
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
      async (c) => {
        submissions.paused = true;
        await audit(c, { action: 'pause', details: { node: agent.nodeName } });
        return c.json({ paused: true }, 200);
      },
    )
    .post('/v1/unpause', describe(pauseDoc('unpause', 'Resume job submissions on this node')), async (c) => {
      submissions.paused = false;
      await audit(c, { action: 'unpause', details: { node: agent.nodeName } });
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
        const jobs = await readRestoreFile(c.req);
        const names = jobs.flatMap((j) =>
          typeof j === 'object' && j !== null && typeof (j as { name?: unknown }).name === 'string'
            ? [(j as { name: string }).name]
            : [],
        );
        const before = new Map(
          await Promise.all(names.map(async (n) => [n, await agent.getJob(n)] as const)),
        );
        // A scoped token restores only its own jobs: the whole file is refused otherwise.
        const actor = actorOf(c);
        const refused = names.filter((n) => !actor.can(jobPath(n), before.get(n) ? 'update' : 'create'));
        if (refused.length > 0) {
          throw forbidden(actor, ['create', 'update'], refused.map(jobPath).join(', '));
        }
        // A backup of this cluster holds masked secrets: the stored ones are kept, taken from the job as
        // the agent reads it for its conditional save (not from the read above, which may be older).
        const results = await agent.restore(jobs, {
          from: (posted, stored) =>
            stored && typeof posted === 'object' && posted !== null
              ? unmaskJobSecrets(posted as Record<string, unknown>, stored)
              : posted,
        });
        for (const line of results) {
          const name = /^success create (.+)$/.exec(line)?.[1];
          if (name === undefined) continue;
          const was = before.get(name);
          const now = await agent.getJob(name);
          await audit(c, {
            action: 'restore',
            job: name,
            before: was ? jobDefinition(was) : null,
            after: now ? jobDefinition(now) : null,
          });
        }
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
