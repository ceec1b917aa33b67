/**
 * Bad input that used to answer 500 or fail only at run time, against the real server (issue 9,
 * item 9): deeply nested bodies, a `jobs` row whose doc is not JSON, and what is refused at save.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  type Api,
  api,
  rqliteExecute,
  startAgent,
  stopAllAgents,
  waitFor,
} from './helpers/index.js';

let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  agent = await startAgent();
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await stopAllAgents();
});

const job = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@manually',
  executor: 'shell',
  executor_config: { command: 'true' },
  ...extra,
});

/** Runs statements on the agent's embedded rqlited directly (what a hand edit or a bug would do). */
function rqlite(statements: unknown[]): Promise<unknown> {
  return rqliteExecute(agent, statements);
}

describe('deeply nested bodies', () => {
  const deepArray = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const deepObject = `${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}`;

  it.each([
    ['tags', deepArray],
    ['metadata', deepArray],
    ['executor_config', deepObject],
    ['processors', `{"log":${deepArray}}`],
  ])(
    'refuses 10,000 nested arrays / 6,000 nested objects in %s with a 400 naming it',
    async (field, deep) => {
      const text = `{"name":"deep","schedule":"@manually","executor":"shell","${field}":${deep}}`;
      for (const [method, path] of [
        ['POST', '/v1/jobs'],
        ['PUT', '/v1/jobs/deep'],
      ] as const) {
        const res = await client.request<{ message: string; field: string }>(method, path, text);
        expect(res.status, `${method} ${field}: ${res.text.slice(0, 200)}`).toBe(400);
        expect(res.body).toMatchObject({
          code: 'VALIDATION',
          field,
          message: `Job validation failed: ${field}: nested deeper than 32 levels.`,
        });
      }
    },
  );

  it('restore refuses a file holding such a job with a 400 naming the problem (nothing saved)', async () => {
    const form = new FormData();
    form.set(
      'file',
      `[{"name":"deep","schedule":"@manually","executor":"shell","tags":${deepArray}},{"name":"fine","schedule":"@manually","executor":"shell","executor_config":{"command":"true"}}]`,
    );
    const res = await fetch(`${agent.baseUrl}/v1/restore`, { method: 'POST', body: form });
    // The whole file is validated first: one bad job is a 400 naming it, nothing is saved.
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('nested deeper than 32 levels');
    expect((await client.jobs.get('fine')).status).toBe(404);
  });
});

describe('a jobs row whose doc is not JSON', () => {
  it('is skipped by GET /v1/jobs, reported by /health, and removed by DELETE', async () => {
    for (const name of ['corrupt-ok', 'corrupt-bad'])
      expect((await client.jobs.save(job(name))).status).toBe(201);
    expect(await rqlite([["UPDATE jobs SET doc = '{oops' WHERE name = ?", 'corrupt-bad']])).toEqual({
      results: [{ last_insert_id: expect.any(Number), rows_affected: 1 }],
    });

    const list = await client.jobs.list();
    expect(list.status, list.text).toBe(200);
    const names = list.body.map((j) => j.name);
    expect(names).toContain('corrupt-ok');
    expect(names).not.toContain('corrupt-bad');
    expect((await client.jobs.get('corrupt-bad')).status).toBe(404);

    const health = await client.get<{ status: string; issues: string[] }>('/health');
    expect(health.status).toBe(503);
    expect(health.body.issues).toEqual([
      expect.stringMatching(
        /^store: job "corrupt-bad" cannot be read: column doc is not JSON .*DELETE \/v1\/jobs\/corrupt-bad removes it\)$/,
      ),
    ]);

    const deleted = await client.jobs.delete('corrupt-bad');
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.name).toBe('corrupt-bad');
    await waitFor(async () => (await client.get('/health')).status === 200, { message: 'healthy again' });
    expect(await client.jobs.delete('corrupt-ok')).toMatchObject({ status: 200 });
  });
});

describe('refused at save instead of failing at run time', () => {
  it.each([
    [
      'a NUL byte in command',
      job('nul', { executor_config: { command: 'echo a\u0000b' } }),
      'executor_config.command',
    ],
    [
      'a NUL byte in cwd',
      job('nul', { executor_config: { command: 'true', cwd: '/tmp\u0000x' } }),
      'executor_config.cwd',
    ],
    [
      'a NUL byte in env',
      job('nul', { executor_config: { command: 'true', env: 'A=\u0000' } }),
      'executor_config.env',
    ],
    [
      'an unquoted ; without shell',
      job('semi', { executor_config: { command: 'echo a; echo b' } }),
      'executor_config.command',
    ],
    [
      'an unquoted > without shell',
      job('redir', { executor_config: { command: 'echo a > /tmp/x' } }),
      'executor_config.command',
    ],
    ['a name of 256 characters', job('n'.repeat(256)), 'name'],
    ['101 retries', job('retries', { retries: 101 }), 'retries'],
    ['a tag count of 0', job('tags', { tags: { role: 'web:0' } }), 'tags.role'],
    ['a tag count that is not a number', job('tags', { tags: { role: 'web:many' } }), 'tags.role'],
  ])('%s', async (_what, body, field) => {
    const res = await client.jobs.save(body as ReturnType<typeof job>);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION', field });
  });

  it('still accepts the same with shell, quoted, or within the limits', async () => {
    for (const body of [
      job('ok-shell', { executor_config: { command: 'echo a; echo b > /dev/null', shell: 'true' } }),
      job('ok-quoted', { executor_config: { command: "echo 'a; b'" } }),
      job('n'.repeat(255)),
      job('ok-retries', { retries: 100 }),
      job('ok-tags', { tags: { dkron_server: 'true:1' } }),
    ]) {
      const res = await client.jobs.save(body);
      expect(res.status, `${body.name}: ${res.text}`).toBe(201);
    }
  });
});
