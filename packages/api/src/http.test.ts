import { DkronError, type Logger } from '@dkron-core/plugin-api';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it, vi } from 'vitest';
import { setup } from './testing/harness.js';

describe('X-Whom', () => {
  it.each([
    ['GET', '/v1/jobs'],
    ['GET', '/v1/jobs/ghost'],
    ['GET', '/nowhere'],
    ['POST', '/v1/jobs'],
    ['OPTIONS', '/v1/jobs'],
    ['GET', '/health'],
  ])('is on %s %s', async (method, path) => {
    const { call } = await setup();
    const res = await call(method, path);
    expect(res.headers.get('X-Whom')).toBe('node-a');
  });
});

describe('pretty', () => {
  it('indents JSON by four spaces with ?pretty, whatever its value', async () => {
    const { agent, call } = await setup();
    await agent.seedJob({ name: 'a' });
    for (const query of ['pretty', 'pretty=true', 'pretty=0']) {
      const res = await call('GET', `/v1/jobs/a?${query}`);
      expect(res.text).toContain('\n    "id": "a"');
    }
    expect((await call('GET', '/v1/jobs/a')).text).not.toContain('\n');
  });

  it('indents errors too', async () => {
    const { call } = await setup();
    const res = await call('GET', '/v1/jobs/ghost?pretty');
    expect(res.text).toBe('{\n    "message": "job ghost not found",\n    "code": "NOT_FOUND"\n}');
  });
});

describe('body limit', () => {
  it('answers 413 JSON above the limit, with or without Content-Length', async () => {
    const { app, agent } = await setup({ bodyLimit: 64 });
    const body = JSON.stringify({ name: 'big', schedule: '@daily', displayname: 'x'.repeat(100) });
    const sized = await app.request('/v1/jobs', {
      method: 'POST',
      body,
      headers: { 'Content-Length': String(body.length) },
    });
    expect(sized.status).toBe(413);
    expect(await sized.json()).toEqual({
      message: 'request body is larger than 64 bytes',
      code: 'VALIDATION',
    });
    const streamed = await app.request('/v1/jobs', {
      method: 'POST',
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await agent.jobNames()).length).toBe(0);
  });

  it('lets a body under the limit through', async () => {
    const { call } = await setup({ bodyLimit: 1024 });
    const small = {
      name: 'small',
      schedule: '@daily',
      executor: 'shell',
      executor_config: { command: 'true' },
    };
    expect((await call('POST', '/v1/jobs', small)).status).toBe(201);
  });

  it('defaults to 1 MiB', async () => {
    const { call } = await setup();
    const near = {
      name: 'near',
      schedule: '@daily',
      executor: 'shell',
      executor_config: { command: 'true' },
      displayname: 'x'.repeat(1024 * 1024 - 200),
    };
    expect((await call('POST', '/v1/jobs', near)).status).toBe(201);
    const over = { ...near, displayname: 'x'.repeat(1024 * 1024) };
    expect((await call('POST', '/v1/jobs', over)).status).toBe(413);
  });
});

describe('errors', () => {
  async function logged() {
    const error = vi.fn();
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error };
    return { error, ...(await setup({ logger })) };
  }

  it('turns an unexpected error into a logged 500 without internals', async () => {
    const { agent, call, error } = await logged();
    agent.failWith = new Error('SQLITE_CORRUPT at /var/lib/secret.db');
    const res = await call('GET', '/v1/jobs');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ message: 'internal error', code: 'INTERNAL' });
    expect(res.text).not.toContain('secret');
    expect(error).toHaveBeenCalledWith('api request failed', expect.objectContaining({ path: '/v1/jobs' }));
  });

  it.each([
    ['UNAVAILABLE', 503],
    ['PAUSED', 503],
    ['CONFIG_INVALID', 400],
    ['SCHEDULE_INVALID', 400],
    ['CONFLICT', 409],
    ['TIMEOUT', 500],
    ['PLUGIN_FAILED', 500],
  ] as const)('maps %s to %i', async (code, status) => {
    const { agent, call } = await logged();
    agent.failWith = new DkronError(code, 'store says no');
    const res = await call('GET', '/v1/busy');
    expect(res.status).toBe(status);
    expect(res.json).toEqual(
      status === 500 ? { message: 'internal error', code: 'INTERNAL' } : { message: 'store says no', code },
    );
  });

  it('passes on the 4xx of a Hono HTTPException as JSON', async () => {
    const { agent, call } = await logged();
    agent.failWith = new HTTPException(422, { message: 'unprocessable' });
    const res = await call('GET', '/v1/busy');
    expect([res.status, res.json]).toEqual([422, { message: 'unprocessable', code: 'VALIDATION' }]);
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    const { call } = await setup();
    expect((await call('GET', '/v2/jobs')).json).toEqual({
      message: 'no route for GET /v2/jobs',
      code: 'NOT_FOUND',
    });
    expect((await call('DELETE', '/v1/jobs')).status).toBe(404);
  });
});
