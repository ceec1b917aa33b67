import { previewSchedule } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { Hono } from 'hono';
import { actorOf } from '../acl/actor.js';
import { jobPath, readsEveryJob } from '../acl/job-access.js';
import type { RouteDeps } from '../deps.js';
import { describe } from '../describe.js';
import { badRequest } from '../errors.js';
import { asFieldError, boundedInt, slotsOf, upcomingOf, upcomingRuns } from '../planning.js';
import { arrayOf, ref } from '../schemas.js';

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

/**
 * dkron-core's schedule views for the UI: a preview of any expression (the job form validates as you
 * type), a stored job's next fire times and its slots of the last hours, and the upcoming runs of
 * every job.
 */
export function planningRoutes({ agent, defaultTimezone }: RouteDeps) {
  const requireJob = async (name: string) => {
    const job = await agent.getJob(name);
    if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
    return job;
  };
  return new Hono()
    .get(
      '/v1/schedule/preview',
      describe({
        operationId: 'previewSchedule',
        summary: 'Check a schedule and list its next fire times',
        description:
          'As `dkron-core schedule`: any form a job accepts. Times are RFC 3339 in the schedule zone. ' +
          'A bad expression or zone is a 400 naming `schedule` or `timezone`.',
        tags: ['schedule'],
        // Computes times of any expression: reads no job, so any valid token may ask.
        access: 'token',
        query: {
          schedule: { description: 'The expression.', schema: { type: 'string' } },
          timezone: {
            description: "The job's zone; empty: the server's default zone.",
            schema: { type: 'string' },
          },
          job: { description: 'Job name, which decides `~` fields.', schema: { type: 'string' } },
          count: { description: '1-100, default 10.', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        },
        responses: { 200: { description: 'The next fire times.', schema: ref('SchedulePreview') } },
        errors: { 400: 'A bad expression, zone or count.' },
      }),
      (c) => {
        const schedule = c.req.query('schedule') ?? '';
        if (schedule.trim() === '') throw badRequest('schedule', 'empty schedule');
        const timezone = c.req.query('timezone') || defaultTimezone;
        const count = boundedInt('count', c.req.query('count'), 1, 100, 10);
        const job = c.req.query('job');
        try {
          const times = previewSchedule({
            expression: schedule,
            timezone,
            count,
            ...(job ? { jobName: job } : {}),
          });
          return c.json({ schedule, timezone, times }, 200);
        } catch (error) {
          throw asFieldError(error);
        }
      },
    )
    .get(
      '/v1/jobs/:job/upcoming',
      describe({
        operationId: 'jobUpcoming',
        summary: "A job's next fire times",
        description: 'Its stored `next`, then the schedule after it (the `@every` phase kept), in UTC.',
        tags: ['schedule'],
        params: { job: 'Job name.' },
        query: { count: { description: '1-100, default 10.', schema: { type: 'integer' } } },
        responses: { 200: { description: 'The next fire times.', schema: ref('SchedulePreview') } },
        errors: { 400: 'A bad count, or a stored schedule that no longer parses.', 404: 'No such job.' },
      }),
      async (c) => {
        const job = await requireJob(c.req.param('job'));
        const count = boundedInt('count', c.req.query('count'), 1, 100, 10);
        try {
          const times = upcomingOf(job, defaultTimezone, count, Date.now()).map(iso);
          return c.json({ schedule: job.schedule, timezone: job.timezone || defaultTimezone, times }, 200);
        } catch (error) {
          throw asFieldError(error);
        }
      },
    )
    .get(
      '/v1/jobs/:job/slots',
      describe({
        operationId: 'jobSlots',
        summary: 'What happened to each slot of the last hours',
        description:
          'Every slot of the schedule in the window, classified against the kept executions: `ran`, ' +
          '`skipped_forbid`, `outside_window`, `disabled`, `no_target`, `unknown` (before the kept history) ' +
          'or `missed`. Reasons other than `ran` and `skipped_forbid` are read from the current state.',
        tags: ['schedule'],
        params: { job: 'Job name.' },
        query: {
          hours: { description: '1-168, default 24.', schema: { type: 'integer' } },
          limit: { description: 'Latest slots returned, 1-5000, default 1440.', schema: { type: 'integer' } },
        },
        responses: { 200: { description: 'The slots.', schema: ref('JobSlots') } },
        errors: { 400: 'A bad parameter.', 404: 'No such job.' },
      }),
      async (c) => {
        const job = await requireJob(c.req.param('job'));
        const hours = boundedInt('hours', c.req.query('hours'), 1, 168, 24);
        const limit = boundedInt('limit', c.req.query('limit'), 1, 5000, 1440);
        const now = Date.now();
        try {
          const window = { defaultTimezone, from: now - hours * 3_600_000, to: now, limit };
          return c.json(await slotsOf(agent, job, window), 200);
        } catch (error) {
          throw asFieldError(error);
        }
      },
    )
    .get(
      '/v1/upcoming',
      describe({
        operationId: 'upcoming',
        summary: 'The upcoming runs of all enabled jobs',
        description: 'With ACLs on, of the jobs the token may read.',
        tags: ['schedule'],
        query: {
          minutes: { description: 'Window, 1-1440, default 60.', schema: { type: 'integer' } },
          limit: { description: 'At most this many runs, 1-500, default 50.', schema: { type: 'integer' } },
        },
        responses: { 200: { description: 'Runs, earliest first.', schema: arrayOf('UpcomingRun') } },
        errors: { 400: 'A bad parameter.' },
      }),
      async (c) => {
        const minutes = boundedInt('minutes', c.req.query('minutes'), 1, 1440, 60);
        const limit = boundedInt('limit', c.req.query('limit'), 1, 500, 50);
        const actor = actorOf(c);
        const { jobs } = await agent.listJobs({ disabled: false });
        // A token scoped to some jobs (`/v1/jobs/team-a-*`) learns nothing of the others, not even names.
        const readable = readsEveryJob(actor) ? jobs : jobs.filter((j) => actor.can(jobPath(j.name), 'read'));
        return c.json(upcomingRuns(readable, defaultTimezone, Date.now(), minutes * 60_000, limit), 200);
      },
    );
}
