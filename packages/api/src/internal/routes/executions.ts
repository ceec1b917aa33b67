import { maskJobSecrets } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { Hono } from 'hono';
import { jobDefinition } from '../audit/diff.js';
import { type RouteDeps, searchParams } from '../deps.js';
import { describe } from '../describe.js';
import { presentExecutions } from '../present.js';
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
          _start: {
            description:
              "Ignored, as Dkron ignores it: Dkron's UI sends `_start=0&_end=25` and expects every execution.",
            schema: { type: 'string' },
          },
          _end: { description: 'Ignored, as `_start`.', schema: { type: 'string' } },
          offset: {
            description: 'dkron-core: skip this many executions (a page of the sorted list).',
            schema: { type: 'integer', minimum: 0 },
          },
          limit: {
            description: 'dkron-core: at most this many executions; `X-Total-Count` still counts them all.',
            schema: { type: 'integer', minimum: 0 },
          },
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
        errors: { 400: 'A bad sort, page or size parameter.', 404: 'No such job.' },
        access: { capabilities: ['list', 'read'] },
      }),
      async (c) => {
        const query = parseExecutionQuery(searchParams(c));
        const retain = deps.maxExecutionsPerJob;
        const { executions, total, timezone } = await agent.listExecutions(
          c.req.param('job'),
          retain === undefined ? query : { ...query, retain },
        );
        c.header('X-Total-Count', String(total));
        return c.json(presentExecutions(executions, timezone), 200);
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
      async (c) => {
        const before = await agent.getJob(c.req.param('job'));
        const job = await agent.deleteExecutions(c.req.param('job'));
        await deps.audit(c, {
          action: 'executions.delete',
          job: job.name,
          ...(before ? { before: jobDefinition(before), after: jobDefinition(job) } : {}),
          details: before ? { success_count: before.success_count, error_count: before.error_count } : {},
        });
        return c.json(maskJobSecrets(job), 200);
      },
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
    .post(
      '/v1/jobs/:job/executions/:execution/cancel',
      describe({
        operationId: 'cancelExecution',
        summary: 'Cancel a running execution',
        description:
          "dkron-core (Dkron #989): fires the executor's cancellation signal and answers once the " +
          'execution ended, as `cancelled`. A cancelled attempt is not retried.',
        tags: ['executions'],
        params: PARAMS,
        responses: { 200: { description: 'The cancelled execution.', schema: ref('Execution') } },
        errors: { 404: 'No such job or execution.', 409: 'The execution is not running.' },
        // Who may run a job may stop its runs.
        access: { path: '/v1/jobs/:job/run', capabilities: ['create'] },
      }),
      async (c) => {
        const { job, execution } = c.req.param();
        const cancelled = await agent.cancelExecution(job, execution);
        await deps.audit(c, { action: 'execution.cancel', job, details: { execution } });
        return c.json(cancelled, 200);
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
        // Reading the stream is reading the execution.
        access: { path: '/v1/jobs/:job/executions/:execution', capabilities: ['read'] },
      }),
      async (c) => {
        const { job, execution } = c.req.param();
        return streamExecution(c, deps, job, execution);
      },
    );
}
