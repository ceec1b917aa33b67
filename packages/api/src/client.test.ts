import type { Execution, Job } from '@dkron-core/plugin-api';
import { hc } from 'hono/client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AppType } from './index.js';
import { setup } from './testing/harness.js';

/** A typed client whose requests go straight to `app.request`. */
async function client() {
  const s = await setup();
  const api = hc<AppType>('http://dkron.test', {
    fetch: (input: string | URL | Request, init?: RequestInit) => s.app.request(input, init),
  });
  return { ...s, api };
}

describe('hc<AppType>', () => {
  it('creates, reads and lists jobs with typed bodies and results', async () => {
    const { api, agent } = await client();
    const created = await api.v1.jobs.$post({
      json: { name: 'alpha', schedule: '@daily', executor: 'shell', executor_config: { command: 'true' } },
    });
    expect(created.status).toBe(201);
    if (created.status === 201) {
      const job = await created.json();
      expectTypeOf(job.name).toEqualTypeOf<string>();
      expectTypeOf(job.retries).toEqualTypeOf<number>();
      expect(job.name).toBe('alpha');
    }

    const one = await api.v1.jobs[':job'].$get({ param: { job: 'alpha' } });
    const job = await one.json();
    expectTypeOf(job).toMatchTypeOf<Pick<Job, 'name' | 'schedule'>>();
    expect(job.schedule).toBe('@daily');

    const list = await api.v1.jobs.$get({ query: { _sort: 'id', _order: 'DESC', q: 'al' } });
    expect(list.headers.get('X-Total-Count')).toBe('1');
    expect((await list.json()).map((j) => j.name)).toEqual(['alpha']);
    expect(agent.lastJobQuery).toEqual({ q: 'al', sort: 'name', order: 'DESC' });

    const filtered = await api.v1.jobs.$get({ query: { 'metadata[team]': 'x', pretty: '' } });
    expect(await filtered.text()).toBe('[]');
    expect(agent.lastJobQuery).toEqual({ metadata: { team: 'x' } });
  });

  it('runs a job and reads its executions', async () => {
    const { api, agent } = await client();
    await agent.seedJob({ name: 'alpha' });
    const run = await api.v1.jobs[':job'].run.$post({ param: { job: 'alpha' } });
    expect(run.status).toBe(200);
    const executions = await api.v1.jobs[':job'].executions.$get({
      param: { job: 'alpha' },
      query: { output_size_limit: '10' },
    });
    const list = await executions.json();
    expectTypeOf(list[0]!.status).toEqualTypeOf<Execution['status']>();
    expect(list).toHaveLength(1);
  });

  it('types the Dkron oddities: isleader strings, restore form, health union', async () => {
    const { api } = await client();
    const leader = await api.v1.isleader.$get();
    if (leader.status === 200) expectTypeOf(await leader.json()).toEqualTypeOf<'I am a leader'>();
    expect(leader.status).toBe(200);

    const restored = await api.v1.restore.$post({
      form: {
        file: new File(
          [
            JSON.stringify([
              { name: 'r', schedule: '@daily', executor: 'shell', executor_config: { command: 'true' } },
            ]),
          ],
          'jobs.json',
        ),
      },
    });
    const text = await restored.json();
    expectTypeOf(text).toEqualTypeOf<string>();
    expect(JSON.parse(text)).toEqual(['success create r']);

    const health = await api.health.$get();
    const body = await health.json();
    expectTypeOf(body.status).toEqualTypeOf<'healthy' | 'unhealthy'>();
    expect(body.status).toBe('healthy');
  });

  // The @ts-expect-error lines are the compile-time half: `tsc -p tsconfig.test.json` (CI's typecheck
  // step) fails if any of them type-checks. Sent anyway, the server answers each as Dkron's does.
  it('refuses unknown query keys and missing params at compile time; the server copes at run time', async () => {
    const { api, agent } = await client();
    await agent.seedJob({ name: 'alpha' });
    // @ts-expect-error `nope` is not a query parameter of GET /v1/jobs
    const unknownKey = await api.v1.jobs.$get({ query: { nope: 'x' } });
    expect(unknownKey.status).toBe(200); // unknown query keys are ignored, as by Dkron
    expect(agent.lastJobQuery).toEqual({});
    // @ts-expect-error only `metadata` takes `[key]` parameters
    const bracket = await api.v1.jobs.$get({ query: { '_sort[x]': 'x' } });
    expect(bracket.status).toBe(200);
    // @ts-expect-error the job name is required
    const noName = await api.v1.jobs[':job'].$get({});
    expect(noName.status).toBe(404);
    // @ts-expect-error a job needs a name
    const nameless = await api.v1.jobs.$post({ json: { schedule: '@daily' } });
    expect(nameless.status).toBe(400);
  });

  it('runs the example of docs/api.md', async () => {
    const { api } = await client();
    const created = await api.v1.jobs.$post({
      json: { name: 'job1', schedule: '@every 10s', executor: 'shell', executor_config: { command: 'date' } },
    });
    expect(created.status).toBe(201);
    if (created.status === 201) expectTypeOf((await created.json()).next).toEqualTypeOf<string>();
    expect((await api.v1.jobs[':job'].run.$post({ param: { job: 'job1' } })).status).toBe(200);
    const runs = await api.v1.jobs[':job'].executions.$get({ param: { job: 'job1' }, query: { _end: '5' } });
    const list = await runs.json();
    expectTypeOf(list[0]!.status).toEqualTypeOf<Execution['status']>();
    expect(list.map((e) => e.job_name)).toEqual(['job1']);
  });
});
