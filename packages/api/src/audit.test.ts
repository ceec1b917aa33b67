import type { AddressInfo } from 'node:net';
import { type AccessStore, type AuditEntry, createMemoryAccessStore } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import { serve } from '@hono/node-server';
import { describe, expect, it, vi } from 'vitest';
import { setup, setupAcl } from './testing/harness.js';

const job = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  schedule: '@daily',
  executor: 'shell',
  executor_config: { command: 'true' },
  ...extra,
});

async function open(now?: () => number) {
  const store = createMemoryAccessStore();
  return { store, ...(await setup({ access: { store, ...(now ? { now } : {}) } })) };
}

async function entries(store: AccessStore): Promise<AuditEntry[]> {
  return (await store.listAudit({ order: 'ASC' })).entries;
}

describe('the audit log', () => {
  it('records every state change made with ACLs off as anonymous, with the definition diff', async () => {
    const { store, call, agent } = await open();
    await agent.seedExecution({ job_name: 'seed', id: 'x' });
    expect((await call('POST', '/v1/jobs', job('a'))).status).toBe(201);
    expect(
      (
        await call(
          'PUT',
          '/v1/jobs/a',
          job('a', { schedule: '@hourly', executor_config: { command: 'date' } }),
        )
      ).status,
    ).toBe(201);
    expect((await call('POST', '/v1/jobs/a/toggle')).status).toBe(200);
    expect((await call('POST', '/v1/jobs/a/toggle')).status).toBe(200);
    expect((await call('POST', '/v1/jobs/a?force=true')).status).toBe(200);
    expect((await call('DELETE', '/v1/jobs/a/executions')).status).toBe(200);
    expect((await call('POST', '/v1/pause')).status).toBe(200);
    expect((await call('POST', '/v1/unpause')).status).toBe(200);
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify([job('b')])]), 'jobs.json');
    expect((await call('POST', '/v1/restore', form)).status).toBe(200);
    expect((await call('DELETE', '/v1/jobs/a')).status).toBe(200);
    expect((await call('POST', '/v1/leave')).status).toBe(200);

    const log = await entries(store);
    expect(log.map((e) => [e.action, e.job])).toEqual([
      ['job.create', 'a'],
      ['job.update', 'a'],
      ['job.toggle', 'a'],
      ['job.toggle', 'a'],
      ['job.run', 'a'],
      ['executions.delete', 'a'],
      ['pause', ''],
      ['unpause', ''],
      ['restore', 'b'],
      ['job.delete', 'a'],
      ['leave', ''],
    ]);
    for (const e of log)
      expect(e).toMatchObject({ token: 'anonymous', token_accessor: '', source: 'unknown' });
    const [created, updated, toggled] = log;
    expect(created?.diff).toMatchObject({
      name: { old: null, new: 'a' },
      schedule: { old: null, new: '@daily' },
      'executor_config.command': { old: null, new: 'true' },
    });
    expect(created?.diff).not.toHaveProperty('next');
    expect(created?.diff).not.toHaveProperty('success_count');
    expect(updated?.diff).toEqual({
      schedule: { old: '@daily', new: '@hourly' },
      'executor_config.command': { old: 'true', new: 'date' },
    });
    expect(toggled?.diff).toEqual({ disabled: { old: false, new: true } });
    expect(log[4]).toMatchObject({ diff: null, details: { force: true } });
    expect(log[8]?.diff).toMatchObject({ name: { old: null, new: 'b' } });
    expect(log[9]?.diff).toMatchObject({
      name: { old: 'a', new: null },
      schedule: { old: '@hourly', new: null },
    });
  });

  it('records a cancelled execution (a state change the web UI makes)', async () => {
    const { store, call, agent } = await open();
    await agent.seedJob({ name: 'a' });
    const { id } = await agent.hold('a');
    expect((await call('POST', `/v1/jobs/a/executions/${id}/cancel`)).status).toBe(200);
    expect((await call('POST', `/v1/jobs/a/executions/${id}/cancel`)).status).toBe(409);
    expect((await entries(store)).map((e) => [e.action, e.job, e.diff, e.details])).toEqual([
      ['execution.cancel', 'a', null, { execution: id }],
    ]);
  });

  it('records nothing for a refused or failed request', async () => {
    const { store, call } = await open();
    expect((await call('POST', '/v1/jobs', job('BAD NAME'))).status).toBe(400);
    expect((await call('DELETE', '/v1/jobs/ghost')).status).toBe(404);
    expect((await call('POST', '/v1/jobs/ghost/toggle')).status).toBe(404);
    expect(
      (await call('POST', '/v1/jobs', JSON.stringify(job('x')), { 'Content-Type': 'text/plain' })).status,
    ).toBe(415);
    expect(await entries(store)).toEqual([]);
  });

  it('names the token with ACLs on, and records ACL changes without any secret', async () => {
    const s = await setupAcl();
    const admin = s.as(s.management);
    await admin('PUT', '/v1/acl/policies/ops', {
      rules: { path: { '/v1/jobs': { capabilities: ['list'] } } },
    });
    await admin('PUT', '/v1/acl/policies/ops', {
      rules: { path: { '/v1/jobs': { capabilities: ['list', 'read'] } } },
    });
    const created = await admin('POST', '/v1/acl/tokens', { name: 'ci', policies: ['default'] });
    const { secret, accessor_id } = created.json as { secret: string; accessor_id: string };
    await s.as(secret)('POST', '/v1/jobs', job('deploy'));
    await admin('DELETE', `/v1/acl/tokens/${accessor_id}`);
    await admin('DELETE', '/v1/acl/policies/ops');

    const log = await entries(s.store);
    expect(log.map((e) => [e.action, e.token])).toEqual([
      ['acl.bootstrap', 'anonymous'],
      ['acl.policy.apply', 'bootstrap'],
      ['acl.policy.apply', 'bootstrap'],
      ['acl.token.create', 'bootstrap'],
      ['job.create', 'ci'],
      ['acl.token.revoke', 'bootstrap'],
      ['acl.policy.delete', 'bootstrap'],
    ]);
    expect(log[1]?.diff).toEqual({
      description: { old: null, new: '' },
      'rules.path./v1/jobs.capabilities': { old: null, new: ['list'] },
    });
    expect(log[2]?.diff).toEqual({
      'rules.path./v1/jobs.capabilities': { old: ['list'], new: ['read', 'list'] },
    });
    expect(log[3]?.details).toMatchObject({ name: 'ci', type: 'client', policies: ['default'], accessor_id });
    expect(log[4]?.token_accessor).toBe(accessor_id);
    expect(JSON.stringify(log)).not.toContain(secret);
    expect(JSON.stringify(log)).not.toContain(s.management);
  });

  it('records the client address of the socket', async () => {
    const { store, app } = await open();
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/v1/jobs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.9' },
        body: JSON.stringify(job('a')),
      });
      expect(res.status).toBe(201);
      expect((await entries(store))[0]?.source).toBe('127.0.0.1');
    } finally {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logs a failing write and still answers the change, which was made', async () => {
    const store = createMemoryAccessStore();
    store.appendAudit = async () => {
      throw new Error('store down');
    };
    const error = vi.fn();
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error };
    const { call, agent } = await setup({ access: { store }, logger });
    expect((await call('POST', '/v1/jobs', job('a'))).status).toBe(201);
    expect(await agent.job('a')).toBeDefined();
    expect(error).toHaveBeenCalledWith(
      'audit entry not written',
      expect.objectContaining({ action: 'job.create', job: 'a', error: 'store down' }),
    );
  });
});

describe('GET /v1/audit', () => {
  async function seeded() {
    let now = Date.parse('2024-05-01T10:00:00.000Z');
    const s = await open(() => now);
    for (const name of ['a', 'b', 'a']) {
      await s.call('POST', '/v1/jobs', job(name));
      now += 60_000;
    }
    await s.call('POST', '/v1/jobs/a/toggle');
    return s;
  }

  it('lists newest first with X-Total-Count, filters and pages', async () => {
    const { call } = await seeded();
    const all = await call('GET', '/v1/audit');
    expect(all.status).toBe(200);
    expect(all.headers.get('X-Total-Count')).toBe('4');
    expect((all.json as AuditEntry[]).map((e) => [e.time, e.action, e.job])).toEqual([
      ['2024-05-01T10:03:00.000Z', 'job.toggle', 'a'],
      ['2024-05-01T10:02:00.000Z', 'job.update', 'a'],
      ['2024-05-01T10:01:00.000Z', 'job.create', 'b'],
      ['2024-05-01T10:00:00.000Z', 'job.create', 'a'],
    ]);
    const names = async (query: string) =>
      ((await call('GET', `/v1/audit?${query}`)).json as AuditEntry[]).map((e) => `${e.action}:${e.job}`);
    expect(await names('job=a')).toEqual(['job.toggle:a', 'job.update:a', 'job.create:a']);
    expect(await names('action=job.create')).toEqual(['job.create:b', 'job.create:a']);
    expect(await names('token=anonymous&job=b')).toEqual(['job.create:b']);
    expect(await names('token=ci')).toEqual([]);
    expect(await names('since=2024-05-01T10:01:00Z&until=2024-05-01T12:02:00%2B02:00')).toEqual([
      'job.create:b',
    ]);
    expect(await names('_order=ASC&_start=1&_end=3')).toEqual(['job.create:b', 'job.update:a']);
    const page = await call('GET', '/v1/audit?job=a&_start=0&_end=1');
    expect(page.headers.get('X-Total-Count')).toBe('3');
  });

  it.each([
    ['since=yesterday', 'since'],
    ['until=2024-05-01', 'until'],
    ['since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z', 'since'],
    ['_order=UP', '_order'],
    ['_start=-1', '_start'],
  ])('refuses %s with a 400 naming %s', async (query, field) => {
    const { call } = await seeded();
    const res = await call('GET', `/v1/audit?${query}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ field, code: 'VALIDATION' });
  });

  it('answers 404 on an app without an audit store', async () => {
    const { call } = await setup();
    expect((await call('GET', '/v1/audit')).status).toBe(404);
  });
});
