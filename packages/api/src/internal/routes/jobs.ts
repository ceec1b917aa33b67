import type { AgentApi } from '@dkron-core/kernel';
import { maskJobSecrets, unmaskJobSecrets } from '@dkron-core/kernel';
import { DkronError, isDkronError, type Job } from '@dkron-core/plugin-api';
import { type Context, Hono } from 'hono';
import { actorOf, requireCapability } from '../acl/actor.js';
import { jobPath, readableJobs } from '../acl/job-access.js';
import { jobDefinition } from '../audit/diff.js';
import { readJsonObject } from '../body.js';
import { type RouteDeps, searchParams } from '../deps.js';
import { describe, jsonBody, type RouteDoc } from '../describe.js';
import { badRequest } from '../errors.js';
import { hasFlag, JOB_SORT_FIELDS, parseJobQuery, STATUS_FILTERS } from '../query.js';
import { arrayOf, ref } from '../schemas.js';

/** What a client may post as a job: Dkron's fields; the agent validates them. */
export type JobInput = Partial<Omit<Job, 'id'>> & {
  readonly name: string;
  readonly [field: string]: unknown;
};

const JOB_PARAM = { job: 'Job name.' };

const SAVE_ERRORS = {
  400: 'Unparsable body (`Unable to parse payload: …`) or invalid job (`Job validation failed: …`), naming the field.',
  404: 'The parent job does not exist (`specified parent job not found`).',
  409: 'The job kept changing while it was being saved (10 concurrent writes came first); try again.',
  413: 'The body is larger than the limit.',
  503: 'Job submissions are paused on this node (`New job submissions are currently paused`).',
};

function saveDoc(operationId: string, summary: string, description: string) {
  return {
    operationId,
    summary,
    description,
    tags: ['jobs'],
    query: {
      runoncreate: {
        description: 'Present (any value) → start a run after saving, without waiting for it.',
        schema: { type: 'string' },
      },
    },
    body: jsonBody<JobInput>(ref('JobInput'), 'The whole job: a full replace, not a patch.'),
    responses: {
      201: { description: 'The stored job.', schema: ref('Job'), headers: ['Location'] },
    },
    errors: SAVE_ERRORS,
    // The body's name decides the job, so the handler checks create or update on `/v1/jobs/<name>`.
    access: 'token',
  } satisfies RouteDoc;
}

const VALIDATION_CODES = ['VALIDATION', 'SCHEDULE_INVALID', 'CONFIG_INVALID', 'EXECUTOR_NOT_FOUND'] as const;

/** Dkron prefixes every validation failure of a save; the agent reports the bare reason. */
function asSaveError(error: unknown): unknown {
  if (!isDkronError(error, ...VALIDATION_CODES)) return error;
  const reason = error.message.endsWith('.') ? error.message.slice(0, -1) : error.message;
  return new DkronError(error.code, `Job validation failed: ${reason}.`, {
    details: error.details,
    cause: error,
  });
}

/** `/v1/jobs` mounted under any prefix: `Location` must point where the client can reach the job. */
function jobLocation(c: Context, name: string): string {
  const path = c.req.path;
  const at = path.indexOf('/v1/jobs');
  return `${at < 0 ? '' : path.slice(0, at)}/v1/jobs/${encodeURIComponent(name)}`;
}

function requestUri(c: Context): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

function parseForce(params: URLSearchParams): boolean {
  const raw = params.get('force');
  if (raw === null || raw === '' || raw === 'true') return raw !== null;
  if (raw === 'false') return false;
  throw badRequest('force', 'use true or false');
}

/**
 * POST/PATCH `/v1/jobs` and PUT `/v1/jobs/{job}`: Dkron's one create-or-replace handler. The
 * path name of PUT is ignored, as in Dkron: the body's `name` decides.
 */
function createSaveHandler({ agent, logger, submissions, audit }: RouteDeps) {
  return async (c: Context) => {
    if (submissions.paused) throw new DkronError('PAUSED', 'New job submissions are currently paused');
    const posted = await readJsonObject(c.req);
    const runNow = hasFlag(searchParams(c), 'runoncreate');
    // The body names the job: that name is what a policy scopes (`/v1/jobs/team-a-*`).
    const name = typeof posted.name === 'string' ? posted.name : undefined;
    // What is saved depends on the stored job (its secrets, create or update rights), so the agent saves
    // conditionally on the job it passed here, and asks again if another write came first.
    let before: Job | undefined;
    const from = (current: Job | undefined) => {
      before = current;
      if (name !== undefined) {
        requireCapability(c, jobPath(name), [current ? 'update' : 'create']);
        if (runNow) requireCapability(c, `${jobPath(name)}/run`, ['create']);
      }
      // A client saving what it was shown (masked secrets) keeps the stored secrets.
      return current ? unmaskJobSecrets(posted, current) : posted;
    };
    let job: Job;
    try {
      job = await agent.saveJob(posted, { from });
    } catch (error) {
      throw asSaveError(error);
    }
    await audit(c, {
      action: before ? 'job.update' : 'job.create',
      job: job.name,
      before: before ? jobDefinition(before) : null,
      after: jobDefinition(job),
    });
    if (runNow) {
      await audit(c, { action: 'job.run', job: job.name, details: { runoncreate: true } });
      startRun(agent, job.name, logger);
    }
    c.header('Location', jobLocation(c, job.name));
    return c.json(maskJobSecrets(job), 201);
  };
}

/** Dkron's `runoncreate` does not wait for the run, and a failure is only logged. */
function startRun(agent: AgentApi, name: string, logger: RouteDeps['logger']): void {
  agent.runJob(name).catch((error: unknown) => {
    logger?.warn('runoncreate: the run did not start', {
      job: name,
      error: error instanceof Error ? error.message : String(error),
    });
  });
}

const listDoc = {
  operationId: 'getJobs',
  summary: 'List jobs',
  description: 'Filters, sorts and slices in the store. Bad parameter values are a 400 naming the parameter.',
  tags: ['jobs'],
  query: {
    q: { description: 'Case-sensitive substring of `name` or `displayname`.' },
    status: {
      description: '`untriggered` selects jobs that never ran.',
      schema: { type: 'string', enum: [...STATUS_FILTERS] },
    },
    disabled: { description: '`true` or `false`.', schema: { type: 'string', enum: ['true', 'false'] } },
    executor: { description: 'dkron-core: exact executor name.', schema: { type: 'string' } },
    metadata: {
      description: '`metadata[key]=value`, repeatable; every pair must match.',
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      deepObject: true,
    },
    _sort: {
      description: '`id` means `name`.',
      schema: { type: 'string', enum: ['id', ...JOB_SORT_FIELDS] },
    },
    _order: { description: 'Default `ASC`.', schema: { type: 'string', enum: ['ASC', 'DESC'] } },
    _start: { description: 'First index, 0-based.', schema: { type: 'integer', minimum: 0 } },
    _end: {
      description: 'End index, exclusive; not below `_start`.',
      schema: { type: 'integer', minimum: 0 },
    },
  },
  responses: {
    200: { description: 'One page of jobs.', schema: arrayOf('Job'), headers: ['X-Total-Count'] },
  },
  errors: { 400: 'A bad filter, sort or slice parameter.' },
  access: { capabilities: ['list', 'read'] },
} as const;

/** Job CRUD, run and toggle. */
export function jobRoutes(deps: RouteDeps) {
  const { agent, audit } = deps;
  const save = createSaveHandler(deps);
  return (
    new Hono()
      .get('/v1/jobs', describe(listDoc), async (c) => {
        const query = parseJobQuery(searchParams(c));
        const page = await readableJobs(actorOf(c), query, (q) => agent.listJobs(q));
        c.header('X-Total-Count', String(page.total));
        return c.json(page.jobs.map(maskJobSecrets), 200);
      })
      // Inline arrows, not `save` itself: a handler typed `(c: Context)` would erase the input type.
      .post(
        '/v1/jobs',
        describe(saveDoc('createOrUpdateJob', 'Create or replace a job', 'Full replace.')),
        (c) => save(c),
      )
      .patch(
        '/v1/jobs',
        describe(
          saveDoc('createOrUpdateJobPatch', 'Create or replace a job', 'Same as POST: a full replace.'),
        ),
        (c) => save(c),
      )
      .put(
        '/v1/jobs/:job',
        describe({
          ...saveDoc('updateJob', 'Create or replace a job', 'As POST `/v1/jobs`; the path name is ignored.'),
          params: JOB_PARAM,
        }),
        (c) => save(c),
      )
      .get(
        '/v1/jobs/:job',
        describe({
          operationId: 'showJobByName',
          summary: 'Show a job',
          tags: ['jobs'],
          params: JOB_PARAM,
          responses: { 200: { description: 'The job.', schema: ref('Job') } },
          errors: { 404: 'No such job.' },
        }),
        async (c) => {
          const name = c.req.param('job');
          const job = await agent.getJob(name);
          if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
          return c.json(maskJobSecrets(job), 200);
        },
      )
      .delete(
        '/v1/jobs/:job',
        describe({
          operationId: 'deleteJob',
          summary: 'Delete a job and its executions',
          tags: ['jobs'],
          params: JOB_PARAM,
          responses: { 200: { description: 'The deleted job.', schema: ref('Job') } },
          errors: { 404: 'No such job.', 409: 'The job has dependent jobs; delete them first.' },
        }),
        async (c) => {
          const job = await agent.deleteJob(c.req.param('job'));
          await audit(c, { action: 'job.delete', job: job.name, before: jobDefinition(job), after: null });
          return c.json(maskJobSecrets(job), 200);
        },
      )
      .post('/v1/jobs/:job', describe(runDoc('runJob')), async (c) => runHandler(c, deps))
      .post('/v1/jobs/:job/run', describe(runDoc('runJobAlias')), async (c) => runHandler(c, deps))
      .post(
        '/v1/jobs/:job/toggle',
        describe({
          operationId: 'toggleJob',
          summary: 'Enable or disable a job',
          description: 'Works while submissions are paused.',
          tags: ['jobs'],
          params: JOB_PARAM,
          responses: {
            200: { description: 'The job after the flip.', schema: ref('Job'), headers: ['Location'] },
          },
          errors: {
            404: 'No such job.',
            409: 'The job kept changing while it was being toggled (10 concurrent writes came first); try again.',
          },
        }),
        async (c) => {
          const job = await agent.toggleJob(c.req.param('job'));
          await audit(c, {
            action: 'job.toggle',
            job: job.name,
            before: { disabled: !job.disabled },
            after: { disabled: job.disabled },
          });
          c.header('Location', requestUri(c));
          return c.json(maskJobSecrets(job), 200);
        },
      )
  );
}

function runDoc(operationId: string) {
  return {
    operationId,
    summary: 'Run a job now',
    description:
      'Returns once the run is launched (Dkron answers 200, not the 202 of its spec). Works while ' +
      'submissions are paused; ignores `concurrency`, `starts_at` and `expires_at` unless noted.',
    tags: ['jobs'],
    params: JOB_PARAM,
    query: {
      force: {
        description: 'dkron-core: run a `forbid` job even while it runs.',
        schema: { type: 'string', enum: ['true', 'false'] },
      },
    },
    responses: { 200: { description: 'The job.', schema: ref('Job'), headers: ['Location'] } },
    errors: { 404: 'No such job, the job is disabled, or no node matches its tags.' },
    // Both routes are one action: a policy grants it on `/v1/jobs/<name>/run`.
    access: { path: '/v1/jobs/:job/run', capabilities: ['create'] },
  } satisfies RouteDoc;
}

async function runHandler(c: Context, { agent, audit }: RouteDeps) {
  const force = parseForce(searchParams(c));
  const job = await agent.runJob(c.req.param('job') ?? '', force ? { force } : undefined);
  await audit(c, { action: 'job.run', job: job.name, ...(force ? { details: { force } } : {}) });
  c.header('Location', requestUri(c));
  return c.json(maskJobSecrets(job), 200);
}
