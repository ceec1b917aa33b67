import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

async function seeded() {
  const s = await setup();
  await s.agent.seedJob({
    name: 'alpha',
    success_count: 2,
    error_count: 1,
    last_success: '2024-01-01T00:00:00Z',
  });
  await s.agent.seedJob({ name: 'empty' });
  await s.agent.seedExecution({
    job_name: 'alpha',
    id: '1-node-a',
    started_at: '2024-01-01T00:00:00Z',
    output: 'x'.repeat(1705),
  });
  await s.agent.seedExecution({
    job_name: 'alpha',
    id: '2-node-a',
    started_at: '2024-01-02T00:00:00Z',
    output: 'done',
  });
  return s;
}

type Listed = { id: string; output: string; output_truncated: boolean }[];

describe('GET /v1/jobs/:job/executions', () => {
  it('answers [] for a job without executions', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs/empty/executions');
    expect(res.status).toBe(200);
    expect(res.text).toBe('[]');
    expect(res.headers.get('X-Total-Count')).toBe('0');
  });

  it('lists newest first with full outputs and X-Total-Count', async () => {
    const { agent, call } = await seeded();
    const res = await call('GET', '/v1/jobs/alpha/executions');
    const list = res.json as Listed;
    expect(res.headers.get('X-Total-Count')).toBe('2');
    expect(list.map((e) => [e.id, e.output.length, e.output_truncated])).toEqual([
      ['2-node-a', 4, false],
      ['1-node-a', 1705, false],
    ]);
    expect(agent.lastExecutionQuery).toEqual({ order: 'DESC' });
  });

  it('cuts outputs to output_size_limit', async () => {
    const { call } = await seeded();
    const list = (await call('GET', '/v1/jobs/alpha/executions?output_size_limit=200')).json as Listed;
    expect(list.map((e) => [e.output.length, e.output_truncated])).toEqual([
      [4, false],
      [200, true],
    ]);
  });

  it('asks for at most maxExecutionsPerJob executions (the retention), whatever the query', async () => {
    const { agent, app } = await setup({ maxExecutionsPerJob: 5 });
    await agent.seedJob({ name: 'alpha' });
    const res = await app.request('/v1/jobs/alpha/executions?_sort=attempt&_end=50');
    expect(res.status).toBe(200);
    expect(agent.lastExecutionQuery).toEqual({ sort: 'attempt', order: 'DESC', retain: 5 });
  });

  it('maps id to started_at and ignores _start/_end as Dkron does', async () => {
    const { agent, call } = await seeded();
    await call('GET', '/v1/jobs/alpha/executions?_sort=id&_order=ASC&_start=0&_end=1&jobs=alpha');
    expect(agent.lastExecutionQuery).toEqual({ sort: 'started_at', order: 'ASC' });
    await call('GET', '/v1/jobs/alpha/executions?_start=3&_end=1');
    expect(agent.lastExecutionQuery).toEqual({ order: 'DESC' });
  });

  it('pages with offset and limit', async () => {
    const { agent, call } = await seeded();
    const res = await call('GET', '/v1/jobs/alpha/executions?offset=1&limit=1');
    expect(agent.lastExecutionQuery).toEqual({ order: 'DESC', start: 1, end: 2 });
    expect(res.headers.get('X-Total-Count')).toBe('2');
    expect((res.json as Listed).map((e) => e.id)).toEqual(['1-node-a']);
    await call('GET', '/v1/jobs/alpha/executions?limit=5');
    expect(agent.lastExecutionQuery).toEqual({ order: 'DESC', start: 0, end: 5 });
  });

  it.each([
    ['_sort=output', '_sort', /unknown field "output" \(use one of id, started_at, finished_at, attempt\)/],
    ['output_size_limit=-1', 'output_size_limit', /negative/],
    ['output_size_limit=ten', 'output_size_limit', /non-negative integer/],
    ['offset=-1', 'offset', /negative/],
    ['limit=x', 'limit', /non-negative integer/],
  ])('rejects %s with a 400', async (query, field, message) => {
    const { call } = await seeded();
    const res = await call('GET', `/v1/jobs/alpha/executions?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field });
    expect((res.json as { message: string }).message).toMatch(message);
  });

  it('answers 404 for an unknown job', async () => {
    const { call } = await seeded();
    expect((await call('GET', '/v1/jobs/ghost/executions')).status).toBe(404);
  });
});

describe('GET /v1/jobs/:job/executions/:execution', () => {
  it('returns the full execution', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs/alpha/executions/1-node-a');
    expect(res.status).toBe(200);
    expect((res.json as { output: string }).output).toHaveLength(1705);
  });

  it('answers 404 for an unknown execution or job', async () => {
    const { call } = await seeded();
    expect((await call('GET', '/v1/jobs/alpha/executions/9-node-a')).json).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await call('GET', '/v1/jobs/ghost/executions/1-node-a')).status).toBe(404);
  });
});

describe('DELETE /v1/jobs/:job/executions', () => {
  it('deletes them and returns the reset job', async () => {
    const { agent, call } = await seeded();
    const res = await call('DELETE', '/v1/jobs/alpha/executions');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'alpha', success_count: 0, error_count: 0, last_success: null });
    expect(await agent.executionsOf('alpha')).toEqual([]);
  });

  it('answers 404 for an unknown job', async () => {
    const { call } = await seeded();
    expect((await call('DELETE', '/v1/jobs/ghost/executions')).status).toBe(404);
  });
});
