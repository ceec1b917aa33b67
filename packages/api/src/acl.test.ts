import { createMemoryAccessStore } from '@dkron-core/kernel';
import { describe, expect, it } from 'vitest';
import { setup, setupAcl } from './testing/harness.js';

const job = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@daily',
  executor: 'shell',
  executor_config: { command: 'true' },
  ...extra,
});

describe('ACLs off (the default)', () => {
  it('lets everyone do everything, and /v1/acl answers 404 saying how to turn ACLs on', async () => {
    const { call } = await setup({ access: { store: createMemoryAccessStore() } });
    expect((await call('POST', '/v1/jobs', job('a'))).status).toBe(201);
    const res = await call('POST', '/v1/acl/bootstrap');
    expect(res.status).toBe(404);
    expect(res.json).toEqual({
      message:
        'ACLs are disabled on this server: start the agents with --acl-enabled (or acl: enabled: true in the config file)',
      code: 'NOT_FOUND',
    });
    const self = await call('GET', '/v1/acl/token/self?path=/v1/leave');
    expect(self.json).toMatchObject({
      type: 'anonymous',
      acl_enabled: false,
      capabilities: { '/v1/leave': expect.arrayContaining(['create']) },
    });
  });
});

describe('bootstrap', () => {
  it('prints a management token with its secret once; a second bootstrap is a 409', async () => {
    const { call, bootstrap, store } = await setupAcl();
    expect(bootstrap).toMatchObject({ name: 'bootstrap', type: 'management', policies: [] });
    expect(bootstrap.secret).toMatch(/^[0-9a-f-]{36}$/);
    expect(bootstrap.accessor_id).toMatch(/^[0-9a-f-]{36}$/);
    const again = await call('POST', '/v1/acl/bootstrap');
    expect(again.status).toBe(409);
    expect((again.json as { message: string }).message).toMatch(/^ACL bootstrap already done/);
    const [stored] = await store.listTokens();
    expect(JSON.stringify(stored)).not.toContain(bootstrap.secret as string);
  });
});

describe('authentication', () => {
  it('answers 401 with a JSON message and WWW-Authenticate without or with a bad token', async () => {
    const { call, as } = await setupAcl();
    const none = await call('GET', '/v1/jobs');
    expect(none.status).toBe(401);
    expect(none.json).toEqual({
      message: 'this API needs an ACL token: send Authorization: Bearer <secret>',
      code: 'UNAUTHORIZED',
    });
    expect(none.headers.get('WWW-Authenticate')).toBe('Bearer realm="dkron-core"');
    const wrong = await as('00000000-0000-4000-8000-000000000000')('GET', '/v1/jobs');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/^ACL token not found/),
    });
    const basic = await call('GET', '/v1/jobs', undefined, { Authorization: 'Basic dTpw' });
    expect(basic.status).toBe(401);
    expect(basic.json).toMatchObject({
      message: 'Authorization: use the Bearer scheme with the secret of an ACL token',
    });
  });

  it('keeps /health and the bootstrap open', async () => {
    const { call } = await setupAcl();
    expect((await call('GET', '/health')).status).toBe(200);
    expect((await call('POST', '/v1/acl/bootstrap')).status).toBe(409);
  });

  it('takes the scheme in any case', async () => {
    const { call, management } = await setupAcl();
    expect((await call('GET', '/v1/jobs', undefined, { Authorization: `bearer ${management}` })).status).toBe(
      200,
    );
  });
});

describe('tokens', () => {
  it('creates client tokens with policies, lists them without secrets, revokes them at once', async () => {
    const { as, management, clientToken } = await setupAcl();
    const admin = as(management);
    const reader = await clientToken('dashboard', ['read-only']);
    const list = await admin('GET', '/v1/acl/tokens');
    expect(list.status).toBe(200);
    expect(list.headers.get('X-Total-Count')).toBe('2');
    // Oldest first; two tokens of the same millisecond may come in either order.
    expect(list.json).toHaveLength(2);
    expect(list.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'bootstrap', type: 'management' }),
        expect.objectContaining({ name: 'dashboard', type: 'client', policies: ['read-only'] }),
      ]),
    );
    expect(list.text).not.toContain(reader);
    expect(list.text).not.toContain('secret');
    expect((await as(reader)('GET', '/v1/jobs')).status).toBe(200);
    const accessor = (list.json as { accessor_id: string; name: string }[]).find(
      (t) => t.name === 'dashboard',
    )?.accessor_id;
    const shown = await admin('GET', `/v1/acl/tokens/${accessor}`);
    expect(shown.json).toMatchObject({ name: 'dashboard', accessor_id: accessor });
    expect((await admin('DELETE', `/v1/acl/tokens/${accessor}`)).status).toBe(200);
    expect((await as(reader)('GET', '/v1/jobs')).status).toBe(401);
    expect((await admin('DELETE', `/v1/acl/tokens/${accessor}`)).status).toBe(404);
  });

  it.each([
    [{ type: 'client' }, 'name', 'a token needs a name of 1 to 256 printable characters'],
    [{ name: 'x', type: 'root', policies: ['default'] }, 'type', 'use client or management'],
    [
      { name: 'x', policies: [] },
      'policies',
      'a client token needs at least one policy (e.g. default or read-only)',
    ],
    [{ name: 'x', policies: ['ghost'] }, 'policies', 'no policy named "ghost"'],
    [
      { name: 'x', type: 'management', policies: ['default'] },
      'policies',
      'a management token may do everything and takes no policies',
    ],
    [{ name: 'x', policies: ['default'], ttl: '1h' }, 'ttl', 'unknown field'],
  ])('refuses %j with a 400 naming %s', async (body, field, message) => {
    const { as, management } = await setupAcl();
    const res = await as(management)('POST', '/v1/acl/tokens', body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ message: `${field}: ${message}`, code: 'VALIDATION', field });
  });

  it('never revokes the last management token', async () => {
    const { as, management, bootstrap } = await setupAcl();
    const admin = as(management);
    const last = await admin('DELETE', `/v1/acl/tokens/${bootstrap.accessor_id}`);
    expect(last.status).toBe(409);
    const second = await admin('POST', '/v1/acl/tokens', { name: 'ops', type: 'management' });
    expect(second.status).toBe(201);
    expect((await admin('DELETE', `/v1/acl/tokens/${bootstrap.accessor_id}`)).status).toBe(200);
    expect((await admin('GET', '/v1/jobs')).status).toBe(401);
    expect((await as((second.json as { secret: string }).secret)('GET', '/v1/jobs')).status).toBe(200);
  });

  it('lets only management tokens administer ACLs (403 for a client token with default)', async () => {
    const { as, clientToken } = await setupAcl();
    const user = as(await clientToken('user', ['default']));
    for (const [method, path] of [
      ['GET', '/v1/acl/tokens'],
      ['POST', '/v1/acl/tokens'],
      ['GET', '/v1/acl/policies'],
      ['PUT', '/v1/acl/policies/x'],
    ]) {
      const res = await user(method as string, path as string, method === 'GET' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.json).toEqual({
        message: 'token "user" may not administer ACLs: that needs a management token',
        code: 'FORBIDDEN',
      });
    }
  });
});

describe('policies', () => {
  it('lists the built-in default and read-only policies, which cannot change', async () => {
    const { as, management } = await setupAcl();
    const admin = as(management);
    const list = await admin('GET', '/v1/acl/policies');
    expect((list.json as { name: string; builtin: boolean }[]).map((p) => [p.name, p.builtin])).toEqual([
      ['default', true],
      ['read-only', true],
    ]);
    const readOnly = await admin('GET', '/v1/acl/policies/read-only');
    expect(readOnly.json).toMatchObject({
      rules: { path: { '/v1/jobs': { capabilities: ['read', 'list'] } } },
    });
    expect((await admin('PUT', '/v1/acl/policies/default', { rules: { path: {} } })).status).toBe(409);
    expect((await admin('DELETE', '/v1/acl/policies/read-only')).status).toBe(409);
  });

  it('applies, replaces and deletes a policy, refusing while a token uses it', async () => {
    const { as, management, clientToken } = await setupAcl();
    const admin = as(management);
    const rules = { path: { '/v1/jobs': { capabilities: ['list', 'list'] } } };
    const first = await admin('PUT', '/v1/acl/policies/viewer', { description: 'v1', rules });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      name: 'viewer',
      description: 'v1',
      builtin: false,
      rules: { path: { '/v1/jobs': { capabilities: ['list'] } } },
    });
    const second = await admin('PUT', '/v1/acl/policies/viewer', {
      rules: { path: { '/v1/**': { capabilities: ['read'] } } },
    });
    expect(second.json).toMatchObject({
      description: '',
      rules: { path: { '/v1/**': { capabilities: ['read'] } } },
    });
    await clientToken('viewer-token', ['viewer']);
    const busy = await admin('DELETE', '/v1/acl/policies/viewer');
    expect(busy.status).toBe(409);
    expect((busy.json as { message: string }).message).toBe(
      'policy viewer is used by token(s) "viewer-token": revoke them first',
    );
    expect((await admin('DELETE', '/v1/acl/policies/ghost')).status).toBe(404);
  });

  it.each([
    [
      { rules: { path: { 'v1/jobs': { capabilities: ['read'] } } } },
      'rules.path["v1/jobs"]',
      'must start with /',
    ],
    [
      { rules: { path: { '/v1/jobs': { capabilities: ['write'] } } } },
      'rules.path["/v1/jobs"].capabilities',
      'unknown capability "write" (use create, read, update, delete, list)',
    ],
    [
      { rules: { path: { '/v1/jobs': { capabilities: ['read'], deny: true } } } },
      'rules.path["/v1/jobs"].deny',
      'unknown key (only "capabilities")',
    ],
    [
      { rules: { path: { '/v1/j obs': { capabilities: ['read'] } } } },
      'rules.path["/v1/j obs"]',
      'may not contain spaces, control characters, ? or #',
    ],
    [{ rules: { paths: {} } }, 'rules.paths', 'unknown key (only "path")'],
    [{ rules: 'x' }, 'rules', 'expected an object like {"path": {"/v1/jobs": {"capabilities": ["read"]}}}'],
    [{ description: 3, rules: { path: {} } }, 'description', 'expected a string'],
  ])('refuses %j with a 400 naming %s', async (body, field, message) => {
    const { as, management } = await setupAcl();
    const res = await as(management)('PUT', '/v1/acl/policies/p', body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ message: `${field}: ${message}`, code: 'VALIDATION', field });
  });

  it('refuses a bad policy name', async () => {
    const { as, management } = await setupAcl();
    const res = await as(management)('PUT', `/v1/acl/policies/${encodeURIComponent('a b')}`, {
      rules: { path: {} },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field: 'name' });
  });
});

describe('read-only and default', () => {
  it('read-only reads but changes nothing (403 naming the token, capability and path)', async () => {
    const { agent, as, clientToken } = await setupAcl();
    await agent.seedJob({ name: 'a' });
    const reader = as(await clientToken('dash', ['read-only']));
    expect((await reader('GET', '/v1/jobs')).status).toBe(200);
    expect((await reader('GET', '/v1/jobs/a')).status).toBe(200);
    const run = await reader('POST', '/v1/jobs/a');
    expect(run.status).toBe(403);
    expect(run.json).toEqual({ message: 'token "dash" may not create /v1/jobs/a/run', code: 'FORBIDDEN' });
    const save = await reader('POST', '/v1/jobs', job('b'));
    expect(save.json).toEqual({ message: 'token "dash" may not create /v1/jobs/b', code: 'FORBIDDEN' });
    const update = await reader('PUT', '/v1/jobs/a', job('a'));
    expect(update.json).toEqual({ message: 'token "dash" may not update /v1/jobs/a', code: 'FORBIDDEN' });
    expect((await reader('DELETE', '/v1/jobs/a')).status).toBe(403);
    expect((await reader('POST', '/v1/leave')).status).toBe(403);
    expect(agent.runs).toEqual([]);
    expect(agent.left).toBe(false);
    expect(await agent.jobNames()).toEqual(['a']);
  });

  it('default creates, runs, toggles and deletes jobs, but reads no metrics, debug vars or audit log', async () => {
    const { agent, as, clientToken } = await setupAcl({
      extras: {
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        debugVars: async () => ({}),
      },
    });
    const user = as(await clientToken('user', ['default']));
    expect((await user('POST', '/v1/jobs', job('a'))).status).toBe(201);
    expect((await user('POST', '/v1/jobs/a/run')).status).toBe(200);
    expect((await user('POST', '/v1/jobs/a/toggle')).status).toBe(200);
    expect((await user('DELETE', '/v1/jobs/a/executions')).status).toBe(200);
    expect((await user('DELETE', '/v1/jobs/a')).status).toBe(200);
    expect(agent.runs).toEqual(['a']);
    for (const path of ['/metrics', '/debug/vars', '/v1/audit']) {
      expect((await user('GET', path)).status, path).toBe(403);
    }
  });
});

describe('the routes the web UI reads', () => {
  it('read-only reads the schedule views (preview: any token; next runs, slots, upcoming)', async () => {
    const { agent, as, clientToken } = await setupAcl();
    await agent.seedJob({ name: 'a', schedule: '@every 1m' });
    const reader = as(await clientToken('dash', ['read-only']));
    for (const path of [
      '/v1/schedule/preview?schedule=@daily',
      '/v1/jobs/a/upcoming',
      '/v1/jobs/a/slots',
      '/v1/upcoming',
    ]) {
      const res = await reader('GET', path);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
    }
  });

  it('cancels with the right to run the job: default may, read-only may not', async () => {
    const { agent, as, clientToken } = await setupAcl();
    await agent.seedJob({ name: 'a' });
    const { id } = await agent.hold('a');
    const reader = as(await clientToken('dash', ['read-only']));
    const refused = await reader('POST', `/v1/jobs/a/executions/${id}/cancel`);
    expect(refused.json).toEqual({
      message: 'token "dash" may not create /v1/jobs/a/run',
      code: 'FORBIDDEN',
    });
    const user = as(await clientToken('user', ['default']));
    const cancelled = await user('POST', `/v1/jobs/a/executions/${id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'cancelled' });
  });

  it('shows a token scoped to some jobs the upcoming runs of those jobs only', async () => {
    const { agent, as, clientToken } = await setupAcl();
    for (const name of ['team-a-etl', 'team-b-billing']) await agent.seedJob({ name, schedule: '@every 1m' });
    const teamA = as(
      await clientToken('team-a', ['team-a'], {
        '/v1/upcoming': ['read'],
        '/v1/jobs/team-a-*': ['read'],
      }),
    );
    const res = await teamA('GET', '/v1/upcoming');
    expect(res.status, res.text).toBe(200);
    const jobs = new Set((res.json as { job: string }[]).map((r) => r.job));
    expect([...jobs]).toEqual(['team-a-etl']);
  });
});

describe('a team scoped to its jobs by a job name glob', () => {
  async function team() {
    const s = await setupAcl();
    for (const name of ['team-a-etl', 'team-a-report', 'team-b-billing', 'other'])
      await s.agent.seedJob({ name });
    await s.agent.hold('team-a-etl');
    await s.agent.hold('team-b-billing');
    const secret = await s.clientToken('team-a', ['team-a'], {
      '/v1/jobs': ['list'],
      '/v1/busy': ['read'],
      '/v1/jobs/team-a-*': ['create', 'read', 'update', 'delete'],
      '/v1/jobs/team-a-*/run': ['create'],
      '/v1/jobs/team-a-*/executions*': ['read'],
      '/v1/jobs/team-a-*/executions/*': ['read'],
    });
    return { ...s, teamA: s.as(secret) };
  }

  it('lists only its jobs, counting them in X-Total-Count, slices among them', async () => {
    const { teamA } = await team();
    const list = await teamA('GET', '/v1/jobs');
    expect((list.json as { name: string }[]).map((j) => j.name)).toEqual(['team-a-etl', 'team-a-report']);
    expect(list.headers.get('X-Total-Count')).toBe('2');
    const page = await teamA('GET', '/v1/jobs?_start=1&_end=5');
    expect((page.json as { name: string }[]).map((j) => j.name)).toEqual(['team-a-report']);
    expect(page.headers.get('X-Total-Count')).toBe('2');
  });

  it('reads, creates, updates, runs and deletes its jobs only', async () => {
    const { agent, teamA } = await team();
    expect((await teamA('GET', '/v1/jobs/team-a-etl')).status).toBe(200);
    expect((await teamA('GET', '/v1/jobs/team-b-billing')).status).toBe(403);
    expect((await teamA('POST', '/v1/jobs', job('team-a-new'))).status).toBe(201);
    expect((await teamA('POST', '/v1/jobs', job('team-b-new'))).status).toBe(403);
    // PUT ignores the path name (Dkron): the body's name is what is checked.
    expect((await teamA('PUT', '/v1/jobs/team-a-etl', job('team-b-billing'))).status).toBe(403);
    expect((await teamA('POST', '/v1/jobs/team-a-etl')).status).toBe(200);
    expect((await teamA('POST', '/v1/jobs/team-b-billing/run')).status).toBe(403);
    expect((await teamA('POST', '/v1/jobs/team-a-etl/toggle')).status).toBe(403);
    expect((await teamA('DELETE', '/v1/jobs/team-b-billing')).status).toBe(403);
    expect((await teamA('DELETE', '/v1/jobs/team-a-report')).status).toBe(200);
    expect(agent.runs).toEqual(['team-a-etl']);
    expect(await agent.job('team-b-billing')).toBeDefined();
    expect(await agent.job('team-b-new')).toBeUndefined();
  });

  it('sees its own running executions only, and may not runoncreate without run', async () => {
    const { teamA, as, clientToken } = await team();
    const busy = await teamA('GET', '/v1/busy');
    expect((busy.json as { job_name: string }[]).map((e) => e.job_name)).toEqual(['team-a-etl']);
    expect((await teamA('GET', '/v1/jobs/team-a-etl/executions')).status).toBe(200);
    expect((await teamA('GET', '/v1/jobs/team-b-billing/executions')).status).toBe(403);
    const noRun = as(await clientToken('no-run', ['no-run'], { '/v1/jobs/*': ['create', 'update'] }));
    const res = await noRun('POST', '/v1/jobs?runoncreate', job('x'));
    expect(res.json).toEqual({ message: 'token "no-run" may not create /v1/jobs/x/run', code: 'FORBIDDEN' });
  });

  it('restores only its own jobs: a file naming another team`s job is refused whole', async () => {
    const { agent, clientToken, app } = await setupAcl();
    const secret = await clientToken('team-a', ['team-a'], {
      '/v1/restore': ['create'],
      '/v1/jobs/team-a-*': ['create', 'update'],
    });
    const restore = (jobs: unknown[]) => {
      const form = new FormData();
      form.append('file', new Blob([JSON.stringify(jobs)]), 'jobs.json');
      return app.request('/v1/restore', {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${secret}` },
      });
    };
    const mixed = await restore([job('team-a-x'), job('team-b-y')]);
    expect(mixed.status).toBe(403);
    expect(await mixed.json()).toEqual({
      message: 'token "team-a" may not create or update /v1/jobs/team-b-y',
      code: 'FORBIDDEN',
    });
    expect((await agent.jobNames()).length).toBe(0);
    expect((await restore([job('team-a-x')])).status).toBe(200);
    expect(await agent.jobNames()).toEqual(['team-a-x']);
  });
});

describe('GET /v1/acl/token/self', () => {
  it('tells a token its rules and its capabilities on the paths asked for', async () => {
    const { as, clientToken, management } = await setupAcl();
    const secret = await clientToken('team-a', ['team-a'], {
      '/v1/jobs': ['list'],
      '/v1/jobs/team-a-*': ['read', 'update'],
    });
    const res = await as(secret)(
      'GET',
      '/v1/acl/token/self?path=/v1/jobs/team-a-x&path=/v1/jobs/other&path=/v1/leave',
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      name: 'team-a',
      type: 'client',
      policies: ['team-a'],
      acl_enabled: true,
      rules: {
        path: {
          '/v1/jobs': { capabilities: ['list'] },
          '/v1/jobs/team-a-*': { capabilities: ['read', 'update'] },
        },
      },
      capabilities: { '/v1/jobs/team-a-x': ['read', 'update'], '/v1/jobs/other': [], '/v1/leave': [] },
    });
    expect(res.text).not.toContain(secret);
    const admin = await as(management)('GET', '/v1/acl/token/self?path=/v1/leave');
    expect(admin.json).toMatchObject({
      type: 'management',
      capabilities: { '/v1/leave': ['create', 'read', 'update', 'delete', 'list'] },
    });
    const glob = await as(management)('GET', '/v1/acl/token/self?path=/v1/jobs/*');
    expect(glob.status).toBe(400);
  });
});

describe('the token cache', () => {
  it('sees a revocation made through another node within the TTL', async () => {
    let now = 1_700_000_000_000;
    const store = createMemoryAccessStore();
    const first = await setupAcl({
      access: { store, aclEnabled: true, now: () => now, tokenCacheTtlMs: 5_000 },
    });
    const secret = await first.clientToken('ci', ['read-only']);
    // A second node on the same store, which caches the token on first use.
    const other = await setup({
      agent: first.agent.api,
      access: { store, aclEnabled: true, now: () => now, tokenCacheTtlMs: 5_000 },
    });
    const call = () => other.call('GET', '/v1/jobs', undefined, { Authorization: `Bearer ${secret}` });
    expect((await call()).status).toBe(200);
    const tokens = await store.listTokens();
    await first.as(first.management)(
      'DELETE',
      `/v1/acl/tokens/${tokens.find((t) => t.name === 'ci')?.accessor_id}`,
    );
    expect(
      (await first.call('GET', '/v1/jobs', undefined, { Authorization: `Bearer ${secret}` })).status,
    ).toBe(401);
    expect((await call()).status).toBe(200);
    now += 5_001;
    expect((await call()).status).toBe(401);
  });
});
