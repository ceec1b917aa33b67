import { systemClock } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

const job = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@every 1m',
  executor: 'shell',
  executor_config: { command: 'true' },
  ...extra,
});

describe('pause (Dkron api_test and e2e flow)', () => {
  it('blocks create/update only, until unpaused', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'kept' });
    await agent.seedJob({ name: 'gone' });
    expect((await call('GET', '/v1/pause')).json).toEqual({ paused: false });
    expect((await call('POST', '/v1/pause')).json).toEqual({ paused: true });
    expect((await call('POST', '/v1/pause')).json).toEqual({ paused: true });
    expect((await call('GET', '/v1/pause')).json).toEqual({ paused: true });

    for (const [method, path] of [
      ['POST', '/v1/jobs'],
      ['PATCH', '/v1/jobs'],
      ['PUT', '/v1/jobs/new'],
    ] as const) {
      const res = await call(method, path, job('new'));
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ message: 'New job submissions are currently paused', code: 'PAUSED' });
    }
    expect(await agent.job('new')).toBeUndefined();

    expect((await call('POST', '/v1/jobs/kept/toggle')).status).toBe(200);
    expect((await call('POST', '/v1/jobs/kept/toggle')).status).toBe(200);
    expect((await call('POST', '/v1/jobs/kept')).status).toBe(200);
    expect((await call('DELETE', '/v1/jobs/gone')).status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify([job('restored')])]), 'jobs.json');
    expect((await call('POST', '/v1/restore', form)).status).toBe(200);

    expect((await call('POST', '/v1/unpause')).json).toEqual({ paused: false });
    expect((await call('POST', '/v1/unpause')).json).toEqual({ paused: false });
    expect((await call('POST', '/v1/jobs', job('new'))).status).toBe(201);
  });

  it('is per app instance (per node)', async () => {
    const a = await setup();
    const b = await setup();
    await a.call('POST', '/v1/pause');
    expect((await b.call('GET', '/v1/pause')).json).toEqual({ paused: false });
  });
});

describe('GET /v1/stats', () => {
  it.each([
    ['', 30],
    ['?days=7', 7],
    ['?days=0', 30],
    ['?days=-5', 30],
    ['?days=abc', 30],
    ['?days=1.5', 30],
    ['?days=400', 365],
    ['?days=99999999999999999999', 30],
  ])('reads days%s as %i, as Dkron does', async (query, days) => {
    const { agent, call } = await setup();
    const res = await call('GET', `/v1/stats${query}`);
    expect(res.status).toBe(200);
    expect(agent.lastStatsDays).toBe(days);
    expect((res.json as { stats: unknown[] }).stats).toHaveLength(days);
  });

  it('returns zero-filled days oldest first', async () => {
    const now = Date.parse('2024-01-31T12:00:00Z');
    const { call } = await setup({ testAgent: { clock: { ...systemClock, now: () => now } } });
    const res = await call('GET', '/v1/stats?days=2');
    expect(res.json).toEqual({
      stats: [
        { date: '2024-01-30T00:00:00Z', success_count: 0, failed_count: 0 },
        { date: '2024-01-31T00:00:00Z', success_count: 0, failed_count: 0 },
      ],
    });
  });
});

describe('POST /v1/restore', () => {
  function form(content: string, field = 'file'): FormData {
    const data = new FormData();
    data.append(field, new Blob([content], { type: 'application/json' }), 'backup.json');
    return data;
  }

  it('imports parents first and answers a JSON string holding the result array', async () => {
    const { agent, call } = await setup();
    const jobs = [job('child', { parent_job: 'parent', schedule: '' }), job('parent')];
    const res = await call('POST', '/v1/restore', form(JSON.stringify(jobs)));
    expect(res.status).toBe(200);
    expect(typeof res.json).toBe('string');
    expect(JSON.parse(res.json as string)).toEqual(['success create parent', 'success create child']);
    expect((await agent.jobNames()).sort()).toEqual(['child', 'parent']);
  });

  it('refuses the whole file when one job is invalid (Dkron validates every job first)', async () => {
    const { agent, call } = await setup();
    const res = await call('POST', '/v1/restore', form(JSON.stringify([job('parent'), job('BAD')])));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION', field: '[1].name' });
    expect((res.json as { message: string }).message).toContain("job 1: name contains illegal character 'B'");
    expect(await agent.jobNames()).toEqual([]);
  });

  it('accepts the file as a plain form value too', async () => {
    const { agent, call } = await setup();
    const data = new FormData();
    data.append('file', JSON.stringify([job('a')]));
    expect((await call('POST', '/v1/restore', data)).status).toBe(200);
    expect(await agent.job('a')).toBeDefined();
  });

  it('answers 404 without a file field, as Dkron', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/restore', form('[]', 'other'));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('"file"') });
  });

  it.each([
    ['not JSON', form('{nope'), /not valid JSON/],
    ['not an array', form('{"name":"a"}'), /expected a JSON array of jobs, got an object/],
    ['not a form', JSON.stringify([job('a')]), /multipart\/form-data/],
  ])('answers 400 when the body is %s', async (_, body, message) => {
    const { agent, call } = await setup();
    const res = await call(
      'POST',
      '/v1/restore',
      body,
      typeof body === 'string' ? { 'Content-Type': 'application/json' } : undefined,
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field: 'file' });
    expect((res.json as { message: string }).message).toMatch(message);
    expect((await agent.jobNames()).length).toBe(0);
  });

  it('answers 400 when the agent rejects the file', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/restore', form('[{"noname":true}]'));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION', field: '[0].name' });
  });
});

describe('GET /v1/plugins', () => {
  it('lists executors and processors with their JSON Schemas', async () => {
    const { call } = await setup();
    const res = await call('GET', '/v1/plugins');
    expect(res.status).toBe(200);
    // The test agent's plugins (test-plugins.ts), sorted by name.
    expect(res.json).toMatchObject({
      executors: [
        { name: 'gate' },
        { name: 'http' },
        { name: 'shell', config: { type: 'object', required: ['command'] } },
      ],
      processors: [{ name: 'files' }, { name: 'log' }],
    });
  });
});

describe('GET /v1/jobs/:job/graph', () => {
  it('is served by extras.jobGraph', async () => {
    const graph = { job: 'b', ancestors: ['a'], descendants: ['c'], edges: [['a', 'b'] as [string, string]] };
    const { call } = await setup({
      extras: {
        jobGraph: async (name) => {
          if (name !== 'b') throw new DkronError('NOT_FOUND', `job ${name} not found`);
          return graph;
        },
      },
    });
    const res = await call('GET', '/v1/jobs/b/graph');
    expect([res.status, res.json]).toEqual([200, graph]);
    expect((await call('GET', '/v1/jobs/zzz/graph')).json).toEqual({
      message: 'job zzz not found',
      code: 'NOT_FOUND',
    });
  });

  it('does not exist without the capability', async () => {
    const { call } = await setup();
    const res = await call('GET', '/v1/jobs/b/graph');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: 'no route for GET /v1/jobs/b/graph', code: 'NOT_FOUND' });
  });
});
