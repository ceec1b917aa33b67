import { DkronError } from '@dkron-core/plugin-api';
import { Hono } from 'hono';
import { type RouteDeps, searchParams } from '../deps.js';
import { describe } from '../describe.js';
import { EXECUTION_SORT_FIELDS, parseExecutionQuery } from '../query.js';
import { arrayOf, ref } from '../schemas.js';
import { streamExecution } from '../stream.js';

const PARAMS = {
  job: 'Job name.',
  execution: 'Execution id: `<started_at in Unix ns>-<node_name>`.',
};

/** A job's executions: list, delete all, show one, follow one live. */
export function executionRoutes(deps: RouteDeps) {
  const { agent } = deps;
  return new Hono()
    .get(
      '/v1/jobs/:job/executions',
      describe({
        operationId: 'listExecutionsByJob',
        summary: "List a job's executions",
        tags: ['executions'],
        params: PARAMS,
        query: {
          _sort: {
            description: '`id` means `started_at`.',
            schema: { type: 'string', enum: ['id', ...EXECUTION_SORT_FIELDS] },
          },
          _order: { description: 'Default `DESC`.', schema: { type: 'string', enum: ['ASC', 'DESC'] } },
          _start: { description: 'First index, 0-based.', schema: { type: 'integer', minimum: 0 } },
          _end: { description: 'End index, exclusive.', schema: { type: 'integer', minimum: 0 } },
          output_size_limit: {
            description: 'Keep the last N bytes of each output and set `output_truncated`.',
            schema: { type: 'integer', minimum: 0 },
          },
        },
        responses: {
          200: {
            description: 'The executions: at most `max-executions-per-job`, the newest by `started_at`.',
            schema: arrayOf('Execution'),
            headers: ['X-Total-Count'],
          },
        },
        errors: { 400: 'A bad sort, slice or size parameter.', 404: 'No such job.' },
      }),
      async (c) => {
        const query = parseExecutionQuery(searchParams(c));
        const retain = deps.maxExecutionsPerJob;
        const { executions, total } = await agent.listExecutions(
          c.req.param('job'),
          retain === undefined ? query : { ...query, retain },
        );
        c.header('X-Total-Count', String(total));
        return c.json(executions, 200);
      },
    )
    .delete(
      '/v1/jobs/:job/executions',
      describe({
        operationId: 'deleteExecutionsByJob',
        summary: "Delete a job's executions and reset its counters",
        description: 'Resets `success_count`, `error_count`, `last_success`, `last_error`; keeps `status`.',
        tags: ['executions'],
        params: PARAMS,
        responses: { 200: { description: 'The job after the reset.', schema: ref('Job') } },
        errors: { 404: 'No such job.' },
      }),
      async (c) => c.json(await agent.deleteExecutions(c.req.param('job')), 200),
    )
    .get(
      '/v1/jobs/:job/executions/:execution',
      describe({
        operationId: 'showExecutionByID',
        summary: 'Show one execution with its full output',
        tags: ['executions'],
        params: PARAMS,
        responses: { 200: { description: 'The execution.', schema: ref('Execution') } },
        errors: { 404: 'No such job or execution.' },
      }),
      async (c) => {
        const { job, execution: id } = c.req.param();
        const execution = await agent.getExecution(job, id);
        if (!execution) {
          throw new DkronError('NOT_FOUND', `execution ${id} of job ${job} not found`, {
            details: { job, execution: id },
          });
        }
        return c.json(execution, 200);
      },
    )
    .get(
      '/v1/jobs/:job/executions/:execution/stream',
      describe({
        operationId: 'streamExecution',
        summary: 'Follow an execution live (Server-Sent Events)',
        description:
          'Replays the output so far, then streams it: `event: output` with a chunk of output as data, ' +
          'then `event: done` with the execution as JSON; `event: error` with an Error body if following ' +
          'fails. Ends after `done` or when the client disconnects.',
        tags: ['executions'],
        params: PARAMS,
        responses: {
          200: {
            description: 'An event stream.',
            contentType: 'text/event-stream',
            schema: { type: 'string' },
          },
        },
        errors: { 404: 'No such job or execution.' },
      }),
      async (c) => {
        const { job, execution } = c.req.param();
        return streamExecution(c, deps, job, execution);
      },
    );
}
