import type { Execution } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { realAgent } from './testing/real-agent.js';

type Real = Awaited<ReturnType<typeof realAgent>>;
let real: Real | undefined;
afterEach(async () => {
  await real?.stop();
  real = undefined;
});

const JSON_HEADERS = { 'Content-Type': 'application/json' };

async function save(r: Real, job: Record<string, unknown>) {
  const res = await r.app.request('/v1/jobs', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ schedule: '@manually', executor: 'gate', ...job }),
  });
  expect(res.status).toBe(201);
}

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

describe('POST /v1/jobs/:job/executions/:execution/cancel', () => {
  it('cancels a running execution of the real agent and answers it as cancelled', async () => {
    real = await realAgent();
    const r = real;
    await save(r, { name: 'long', retries: 3, executor_config: { hold: true, text: 'working' } });
    expect((await r.app.request('/v1/jobs/long', { method: 'POST' })).status).toBe(200);
    const running = await waitFor(async () => (await r.agent.busy())[0]);
    const res = await r.app.request(`/v1/jobs/long/executions/${running.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: running.id, status: 'cancelled', success: false });
    const list = (await (await r.app.request('/v1/jobs/long/executions')).json()) as Execution[];
    // No retry follows a cancel.
    expect(list.map((e) => e.status)).toEqual(['cancelled']);
    expect(await r.agent.busy()).toEqual([]);
  });

  it('answers 404 for an unknown job or execution and 409 for one that is not running', async () => {
    real = await realAgent();
    const r = real;
    await save(r, { name: 'quick' });
    await r.app.request('/v1/jobs/quick', { method: 'POST' });
    const done = await waitFor(async () => {
      const [e] = (await r.agent.listExecutions('quick', {})).executions;
      return e?.status === 'success' ? e : undefined;
    });
    const cancel = (path: string) => r.app.request(path, { method: 'POST' });
    const ghost = await cancel(`/v1/jobs/ghost/executions/${done.id}/cancel`);
    expect([ghost.status, ((await ghost.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    expect((await cancel('/v1/jobs/quick/executions/1-nowhere/cancel')).status).toBe(404);
    const finished = await cancel(`/v1/jobs/quick/executions/${done.id}/cancel`);
    expect(finished.status).toBe(409);
    expect(((await finished.json()) as { message: string }).message).toContain('not running (success)');
  });
});

describe('GET /v1/jobs/:job/executions with the real agent', () => {
  it("returns every kept execution for Dkron's UI query (_start=0&_end=25), and pages with offset/limit", async () => {
    real = await realAgent();
    const r = real;
    await save(r, { name: 'many', executor_config: { text: 'x'.repeat(300) } });
    for (let i = 0; i < 30; i++) {
      expect((await r.app.request('/v1/jobs/many', { method: 'POST' })).status).toBe(200);
    }
    await waitFor(async () => {
      const { executions } = await r.agent.listExecutions('many', {});
      return executions.length === 30 && executions.every((e) => e.status === 'success') ? true : undefined;
    });
    // The query string Dkron's react-admin data provider sends for the executions tab (keys sorted).
    const dkron = await r.app.request(
      '/v1/jobs/many/executions?_end=25&_order=DESC&_sort=started_at&_start=0&jobs=many&output_size_limit=200',
    );
    expect(dkron.status).toBe(200);
    const all = (await dkron.json()) as Execution[];
    expect(all).toHaveLength(30);
    expect(dkron.headers.get('X-Total-Count')).toBe('30');
    expect(all.every((e) => e.output.length === 200 && e.output_truncated === true)).toBe(true);
    const ids = all.map((e) => e.id);

    const page = await r.app.request('/v1/jobs/many/executions?offset=25&limit=25');
    expect(page.headers.get('X-Total-Count')).toBe('30');
    expect(((await page.json()) as Execution[]).map((e) => e.id)).toEqual(ids.slice(25));
  });
});
