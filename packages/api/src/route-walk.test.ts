/**
 * Walks every operation of the app's own OpenAPI document with ACLs on, three times: without a
 * token, with a read-only token and with a management token, each on a fresh app. A new route is in
 * the document (openapi.test.ts checks that), so it is walked here too: one that forgets its access
 * rule fails this test.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from './index.js';
import { setupAcl } from './testing/harness.js';

type Who = 'none' | 'read-only' | 'management';

const uiRoot = mkdtempSync(join(tmpdir(), 'dkron-ui-walk-'));
writeFileSync(join(uiRoot, 'index.html'), '<script>window.ACL = {{ .DKRON_ACL_ENABLED }};</script>');

/** Operations anyone may call. */
const PUBLIC = new Set(['GET /health', 'GET /', 'GET /ui', 'GET /ui/{path}', 'POST /v1/acl/bootstrap']);

/** Reads the read-only policy does not grant: management (or a policy naming them) only. */
const NOT_FOR_READERS = new Set(['GET /metrics', 'GET /debug/vars', 'GET /v1/audit']);

const job = (name: string) => ({
  name,
  schedule: '@daily',
  executor: 'shell',
  executor_config: { command: 'true' },
});

async function app() {
  const s = await setupAcl({
    ui: { root: uiRoot },
    extras: {
      jobGraph: async (name) => ({ job: name, ancestors: [], descendants: [], edges: [] }),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' }),
      debugVars: async () => ({ node: 'node-a' }),
    },
  });
  await s.agent.seedJob({ name: 'a' });
  await s.agent.seedExecution({ job_name: 'a', id: '1-node-a', output: 'done' });
  const admin = s.as(s.management);
  expect(
    (
      await admin('PUT', '/v1/acl/policies/walk', {
        rules: { path: { '/v1/jobs': { capabilities: ['list'] } } },
      })
    ).status,
  ).toBe(200);
  const spare = await admin('POST', '/v1/acl/tokens', { name: 'spare', policies: ['read-only'] });
  const reader = await s.clientToken('reader', ['read-only']);
  return { ...s, reader, spare: (spare.json as { accessor_id: string }).accessor_id };
}

const PARAMS: Record<string, (a: Awaited<ReturnType<typeof app>>) => string> = {
  job: () => 'a',
  execution: () => '1-node-a',
  name: () => 'walk',
  accessor: (a) => a.spare,
  path: () => 'index.html',
};

/** Query strings a route needs to answer at all (its required parameters). */
const QUERY: Record<string, string> = { 'GET /v1/schedule/preview': '?schedule=%40daily' };

function bodyOf(operationId: string, contentType: string | undefined): FormData | string | undefined {
  if (contentType === 'multipart/form-data') {
    const form = new FormData();
    form.append('file', new Blob([JSON.stringify([job('a')])]), 'jobs.json');
    return form;
  }
  if (contentType !== 'application/json') return undefined;
  if (operationId.startsWith('aclPolicy'))
    return JSON.stringify({ rules: { path: { '/v1/jobs': { capabilities: ['read'] } } } });
  if (operationId.startsWith('aclToken')) return JSON.stringify({ name: 'walked', policies: ['read-only'] });
  return JSON.stringify(job('a'));
}

async function operations(): Promise<{ method: string; path: string; operationId: string; body?: string }[]> {
  const a = await app();
  const doc = (await a.as(a.management)('GET', '/v1/openapi.json')).json as OpenApiDocument;
  await a.agent.stop();
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const operation = op as { operationId: string; requestBody?: { content: Record<string, unknown> } };
      const body = operation.requestBody ? Object.keys(operation.requestBody.content)[0] : undefined;
      return {
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        ...(body ? { body } : {}),
      };
    }),
  );
}

function expected(who: Who, method: string, path: string): 'open' | 401 | 403 | 'ok' {
  const key = `${method} ${path}`;
  if (PUBLIC.has(key)) return 'open';
  if (who === 'none') return 401;
  if (who === 'management') return 'ok';
  if (key === 'GET /v1/acl/token/self') return 'ok';
  if (method !== 'GET' || NOT_FOR_READERS.has(key) || path.startsWith('/v1/acl/')) return 403;
  return 'ok';
}

const ops = await operations();

describe('every route of the OpenAPI document, with ACLs on', () => {
  it('has routes to walk, the ACL, audit, metrics and debug routes among them', () => {
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    expect(keys.length).toBeGreaterThanOrEqual(45);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /metrics',
        'GET /debug/vars',
        'GET /v1/audit',
        'GET /v1/jobs/{job}/executions/{execution}/stream',
        'POST /v1/acl/tokens',
        'DELETE /v1/acl/tokens/{accessor}',
      ]),
    );
  });

  describe.each(['none', 'read-only', 'management'] as const)('with %s token', (who) => {
    it.each(ops.map((o) => [`${o.method} ${o.path}`, o] as const))('%s', async (_, op) => {
      const a = await app();
      const url =
        op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(PARAMS[name]?.(a) ?? name)) +
        (QUERY[`${op.method} ${op.path}`] ?? '');
      const headers: Record<string, string> = {};
      if (who === 'read-only') headers.Authorization = `Bearer ${a.reader}`;
      if (who === 'management') headers.Authorization = `Bearer ${a.management}`;
      const body = bodyOf(op.operationId, op.body);
      if (typeof body === 'string') headers['Content-Type'] = 'application/json';
      const before = await a.agent.snapshot();
      const tokensBefore = JSON.stringify(await a.store.listTokens());
      const res = await a.app.request(url, { method: op.method, headers, ...(body ? { body } : {}) });
      const text = await res.text();
      const label = `${who}: ${op.method} ${url} → ${res.status} ${text.slice(0, 160)}`;
      const want = expected(who, op.method, op.path);
      if (want === 401 || want === 403) {
        expect(res.status, label).toBe(want);
        expect(JSON.parse(text), label).toMatchObject({
          code: want === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
          message: expect.any(String),
        });
        expect(await a.agent.snapshot(), label).toBe(before);
        expect(JSON.stringify(await a.store.listTokens()), label).toBe(tokensBefore);
      } else if (op.path === '/v1/acl/bootstrap') {
        expect(res.status, label).toBe(409); // bootstrapped by the setup: open, but only once
      } else if (op.operationId === 'cancelExecution') {
        // Let through, then refused by the agent: the walked execution has finished.
        expect(JSON.parse(text), label).toMatchObject({ code: 'CONFLICT' });
      } else {
        expect(res.status, label).toBeLessThan(400);
      }
      expect(res.headers.get('X-Whom'), label).toBe('node-a');
    });
  });
});

describe('the UI index with ACLs on', () => {
  it('tells Dkron`s UI to show its token login', async () => {
    const a = await app();
    const res = await a.call('GET', '/ui/');
    expect(res.text).toBe('<script>window.ACL = true;</script>');
  });
});
