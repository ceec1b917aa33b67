import type { Logger } from '@dkron-core/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { setup } from './testing/harness.js';

const job = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@every 10s',
  executor: 'shell',
  executor_config: { command: 'echo hi' },
  ...extra,
});

describe('POST /v1/jobs', () => {
  it('creates a job: 201, Location, the stored job', async () => {
    const { agent, call } = await setup();
    const res = await call('POST', '/v1/jobs', job('alpha', { displayname: 'Alpha' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe('/v1/jobs/alpha');
    expect(res.json).toMatchObject({ id: 'alpha', name: 'alpha', displayname: 'Alpha' });
    expect((await agent.job('alpha'))?.displayname).toBe('Alpha');
  });

  it('replaces the whole job when posted again (omitted fields reset)', async () => {
    const { agent, call } = await setup();
    await call('POST', '/v1/jobs', job('alpha', { disabled: true, displayname: 'A' }));
    const res = await call('POST', '/v1/jobs', job('alpha', { executor_config: { command: 'date' } }));
    expect(res.status).toBe(201);
    expect(await agent.job('alpha')).toMatchObject({
      disabled: false,
      displayname: '',
      executor_config: { command: 'date' },
    });
  });

  it('PATCH /v1/jobs is the same full replace', async () => {
    const { agent, call } = await setup();
    await call('POST', '/v1/jobs', job('alpha', { displayname: 'A' }));
    const res = await call('PATCH', '/v1/jobs', job('alpha'));
    expect(res.status).toBe(201);
    expect((await agent.job('alpha'))?.displayname).toBe('');
  });

  it('PUT /v1/jobs/:job ignores the path name: the body decides', async () => {
    const { agent, call } = await setup();
    const res = await call('PUT', '/v1/jobs/other', job('alpha'));
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe('/v1/jobs/alpha');
    expect(await agent.job('alpha')).toBeDefined();
    expect(await agent.job('other')).toBeUndefined();
  });

  it('refuses a JSON body sent as text/plain with a 415 (gin binds it; a browser could send it cross-origin)', async () => {
    const { app, agent } = await setup();
    const res = await app.request('/v1/jobs', { method: 'POST', body: JSON.stringify(job('plain')) });
    expect(res.status).toBe(415);
    expect(await agent.job('plain')).toBeUndefined();
  });

  it('accepts names with Unicode lowercase letters and percent-encodes them in Location', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/jobs', job('ß-ñ_ë-я-9'));
    expect(res.status).toBe(201);
    expect(res.headers.get('Location')).toBe(`/v1/jobs/${encodeURIComponent('ß-ñ_ë-я-9')}`);
  });

  it('prefixes validation failures as Dkron does and names the field', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/jobs', job('self', { parent_job: 'self' }));
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      message: 'Job validation failed: the job can not have itself as parent.',
      code: 'VALIDATION',
      field: 'parent_job',
    });
  });

  it.each([
    ['a bad name', job('BAD JOB NAME!'), 'name'],
    ['an empty name (even with a parent)', job('', { parent_job: 'p' }), 'name'],
    ['a bad @at', job('a', { schedule: '@at badtime' }), 'schedule'],
    ['a bad concurrency', job('a', { concurrency: 'badvalue' }), 'concurrency'],
    ['a bad timezone', job('a', { timezone: 'notatimezone' }), 'timezone'],
    [
      'a bad shell timeout',
      job('a', { executor_config: { timeout: 'foreverandever' } }),
      'executor_config.timeout',
    ],
    ['an unknown executor', job('a', { executor: 'teleport' }), 'executor'],
    ['a wrongly typed field', job('a', { retries: 'x' }), 'retries'],
    ['a negative retries', job('a', { retries: -1 }), 'retries'],
  ])('rejects %s with a 400 naming the field', async (_, body, field) => {
    const { agent, call } = await setup();
    const res = await call('POST', '/v1/jobs', body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field });
    expect((res.json as { message: string }).message).toMatch(/^Job validation failed: .*\.$/);
    expect((await agent.jobNames()).length).toBe(0);
  });

  it.each([
    ['malformed JSON', '{"name": "a",', /^Unable to parse payload: .+\.$/],
    ['an empty body', '', /^Unable to parse payload: empty body\.$/],
    ['an array', '[1,2]', /^Unable to parse payload: expected a JSON object, got an array\.$/],
    ['a number', '42', /got a number/],
    ['null', 'null', /got null/],
  ])('rejects %s with 400 Unable to parse payload', async (_, body, message) => {
    const { call } = await setup();
    const res = await call('POST', '/v1/jobs', body, { 'Content-Type': 'application/json' });
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toMatch(message);
  });

  it('answers 404 with exactly Dkron`s text for a missing parent, and creates nothing', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/jobs', job('child', { parent_job: 'ghost' }));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ message: 'specified parent job not found', code: 'NOT_FOUND' });
    expect((await call('GET', '/v1/jobs/child')).status).toBe(404);
  });

  it('keeps a parent`s dependent_jobs when the parent is posted again', async () => {
    const { call } = await setup();
    await call('POST', '/v1/jobs', job('parent'));
    await call('POST', '/v1/jobs', job('child', { parent_job: 'parent', schedule: '' }));
    const res = await call('POST', '/v1/jobs', job('parent'));
    expect(res.json).toMatchObject({ dependent_jobs: ['child'] });
  });

  it('starts a run after create with ?runoncreate, without waiting', async () => {
    const { agent, call } = await setup();
    const res = await call('POST', '/v1/jobs?runoncreate', job('now'));
    expect(res.status).toBe(201);
    await vi.waitFor(() => expect(agent.runs).toEqual(['now']));
  });

  it('logs, and still answers 201, when the runoncreate run fails', async () => {
    const warn = vi.fn();
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
    const { agent, call } = await setup({ logger });
    const res = await call('POST', '/v1/jobs?runoncreate=true', job('off', { disabled: true }));
    expect(res.status).toBe(201);
    await vi.waitFor(() =>
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('runoncreate'), expect.anything()),
    );
    expect(agent.runs).toEqual([]);
  });
});

describe('GET /v1/jobs/:job', () => {
  it('returns the job', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha' });
    const res = await call('GET', '/v1/jobs/alpha');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'alpha', id: 'alpha' });
  });

  it('answers 404 with a JSON body', async () => {
    const { call } = await setup();
    const res = await call('GET', '/v1/jobs/ghost');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: 'job ghost not found', code: 'NOT_FOUND' });
  });
});

describe('DELETE /v1/jobs/:job', () => {
  it('deletes and returns the job', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha' });
    const res = await call('DELETE', '/v1/jobs/alpha');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'alpha' });
    expect(await agent.job('alpha')).toBeUndefined();
    expect((await call('DELETE', '/v1/jobs/alpha')).status).toBe(404);
  });

  it('answers 409 for a job with children (Dkron: 404) and keeps it', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'parent' });
    await agent.seedJob({ name: 'child', parent_job: 'parent' });
    const res = await call('DELETE', '/v1/jobs/parent');
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('delete children first'),
    });
    expect(await agent.job('parent')).toBeDefined();
  });
});

describe('run and toggle', () => {
  it.each(['/v1/jobs/alpha', '/v1/jobs/alpha/run'])('POST %s runs: 200 with Location', async (path) => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha' });
    const res = await call('POST', path);
    expect(res.status).toBe(200);
    expect(res.headers.get('Location')).toBe(path);
    expect(res.json).toMatchObject({ name: 'alpha' });
    expect(agent.runs).toEqual(['alpha']);
  });

  it('answers 404 for an unknown job and for a disabled one', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'off', disabled: true });
    expect((await call('POST', '/v1/jobs/ghost')).status).toBe(404);
    expect((await call('POST', '/v1/jobs/off/run')).status).toBe(404);
    expect(agent.runs).toEqual([]);
  });

  it('rejects a bad force value', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha' });
    const res = await call('POST', '/v1/jobs/alpha/run?force=maybe');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field: 'force' });
    expect((await call('POST', '/v1/jobs/alpha/run?force=true')).status).toBe(200);
  });

  it('toggles both ways with Location, 404 when missing', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'alpha' });
    const off = await call('POST', '/v1/jobs/alpha/toggle');
    expect(off.status).toBe(200);
    expect(off.headers.get('Location')).toBe('/v1/jobs/alpha/toggle');
    expect(off.json).toMatchObject({ disabled: true });
    expect((await call('POST', '/v1/jobs/alpha/toggle')).json).toMatchObject({ disabled: false });
    expect((await call('POST', '/v1/jobs/ghost/toggle')).status).toBe(404);
  });
});

describe('GET /v1/jobs', () => {
  async function seeded() {
    const s = await setup();
    await s.agent.seedJob({
      name: 'a',
      displayname: 'Zed',
      status: 'success',
      metadata: { team: 'x', env: 'prod' },
    });
    await s.agent.seedJob({ name: 'b', status: 'failed', disabled: true, metadata: { team: 'x' } });
    await s.agent.seedJob({ name: 'c', status: '' });
    return s;
  }

  it('lists jobs with X-Total-Count', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs');
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Total-Count')).toBe('3');
    expect((res.json as { name: string }[]).map((j) => j.name)).toEqual(['a', 'b', 'c']);
  });

  it('passes the filters, sort and slice to the agent', async () => {
    const { agent, call } = await seeded();
    await call(
      'GET',
      '/v1/jobs?q=Z&status=untriggered&disabled=false&metadata[team]=x&metadata[env]=prod&metadata[team]=y' +
        '&_sort=id&_order=DESC&_start=1&_end=5&jobs=ignored',
    );
    expect(agent.lastJobQuery).toEqual({
      q: 'Z',
      status: '',
      disabled: false,
      metadata: { team: 'x', env: 'prod' },
      sort: 'name',
      order: 'DESC',
      start: 1,
      end: 5,
    });
  });

  it('passes nothing for absent or empty parameters', async () => {
    const { agent, call } = await seeded();
    await call('GET', '/v1/jobs?q=&status=&disabled=&_sort=&_order=&_start=&_end=');
    expect(agent.lastJobQuery).toEqual({});
  });

  it('slices and counts before slicing', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs?_sort=name&_order=DESC&_start=0&_end=2');
    expect(res.headers.get('X-Total-Count')).toBe('3');
    expect((res.json as { name: string }[]).map((j) => j.name)).toEqual(['c', 'b']);
  });

  it('filters by metadata with AND semantics', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs?metadata[team]=x&metadata[env]=prod');
    expect((res.json as { name: string }[]).map((j) => j.name)).toEqual(['a']);
    expect(res.headers.get('X-Total-Count')).toBe('1');
  });

  it('rejects an unknown _sort naming the allowed fields', async () => {
    const { call } = await seeded();
    const res = await call('GET', '/v1/jobs?_sort=x');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      message:
        '_sort: unknown field "x" (use one of id, name, displayname, schedule, success_count, error_count, ' +
        'last_success, last_error, next)',
      code: 'VALIDATION',
      field: '_sort',
    });
  });

  it.each([
    ['_start=5&_end=2', '_start', /greater than _end/],
    ['_start=abc', '_start', /non-negative integer/],
    ['_end=1.5', '_end', /non-negative integer/],
    ['_start=-1', '_start', /must not be negative/],
    ['_end=99999999999999999999', '_end', /too large/],
    ['_order=sideways', '_order', /ASC or DESC/],
    ['status=bogus', 'status', /unknown value "bogus"/],
    ['disabled=yes', 'disabled', /true or false/],
  ])('rejects %s with a 400 naming %s', async (query, field, message) => {
    const { call } = await seeded();
    const res = await call('GET', `/v1/jobs?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field, code: 'VALIDATION' });
    expect((res.json as { message: string }).message).toMatch(message);
  });

  it('accepts a lowercase order', async () => {
    const { agent, call } = await seeded();
    expect((await call('GET', '/v1/jobs?_order=desc')).status).toBe(200);
    expect(agent.lastJobQuery?.order).toBe('DESC');
  });

  it('keeps a metadata key named __proto__ as a plain key', async () => {
    const { agent, call } = await seeded();
    await call('GET', '/v1/jobs?metadata[__proto__]=x');
    const metadata = agent.lastJobQuery?.metadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['__proto__']);
  });
});
