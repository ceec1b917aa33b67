import { Hono } from 'hono';
import type { JobGraph } from '../../options.js';
import type { RouteDeps } from '../deps.js';
import { describe } from '../describe.js';
import { ref } from '../schemas.js';

function graphApp(jobGraph: (name: string) => Promise<JobGraph>) {
  return new Hono().get(
    '/v1/jobs/:job/graph',
    describe({
      operationId: 'jobGraph',
      summary: "A job's dependency graph",
      description: 'Ancestors, descendants and the parent → child edges around the job.',
      tags: ['jobs'],
      params: { job: 'Job name.' },
      responses: { 200: { description: 'The graph.', schema: ref('JobGraph') } },
      errors: { 404: 'No such job.' },
    }),
    async (c) => c.json(await jobGraph(c.req.param('job')), 200),
  );
}

/**
 * `GET /v1/jobs/{job}/graph`, registered only when the app is given the capability. The type
 * always declares it so that `hc<AppType>` knows the route; without the capability it is a 404.
 */
export function graphRoutes({ extras }: RouteDeps): ReturnType<typeof graphApp> {
  const jobGraph = extras.jobGraph?.bind(extras);
  return jobGraph ? graphApp(jobGraph) : (new Hono() as ReturnType<typeof graphApp>);
}
