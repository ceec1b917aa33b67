import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from './index.js';
import { setup } from './testing/harness.js';

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

async function full() {
  const graph = async (job: string) => ({ job, ancestors: [], descendants: [], edges: [] });
  return setup({ ui: { root: mkdtempSync(join(tmpdir(), 'dkron-ui-')) }, extras: { jobGraph: graph } });
}

async function documentOf(s: Awaited<ReturnType<typeof setup>>): Promise<OpenApiDocument> {
  const res = await s.call('GET', '/v1/openapi.json');
  expect(res.status).toBe(200);
  return res.json as OpenApiDocument;
}

function operations(doc: OpenApiDocument): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => [path, method, op as unknown as Operation] as [string, string, Operation],
    ),
  );
}

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = await documentOf(await full());
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('0.0.0-test');
  });

  it('lists every registered route, and nothing else', async () => {
    const s = await full();
    const doc = await documentOf(s);
    const registered = new Set(
      s.app.routes
        .filter((r) => r.method !== 'ALL')
        .map(
          (r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}')}`,
        ),
    );
    const documented = new Set(operations(doc).map(([path, method]) => `${method} ${path}`));
    expect([...documented].sort()).toEqual([...registered].sort());
    expect(documented.size).toBeGreaterThanOrEqual(32);
  });

  it('contains every Dkron route of the route table', async () => {
    const doc = await documentOf(await full());
    const documented = new Set(operations(doc).map(([path, method]) => `${method.toUpperCase()} ${path}`));
    const dkron = [
      'GET /health',
      'GET /v1',
      'GET /v1/',
      'GET /v1/members',
      'GET /v1/leader',
      'GET /v1/isleader',
      'POST /v1/leave',
      'POST /v1/restore',
      'GET /v1/busy',
      'GET /v1/pause',
      'POST /v1/pause',
      'POST /v1/unpause',
      'GET /v1/stats',
      'POST /v1/jobs',
      'PATCH /v1/jobs',
      'GET /v1/jobs',
      'DELETE /v1/jobs/{job}',
      'POST /v1/jobs/{job}',
      'POST /v1/jobs/{job}/run',
      'POST /v1/jobs/{job}/toggle',
      'PUT /v1/jobs/{job}',
      'GET /v1/jobs/{job}',
      'GET /v1/jobs/{job}/executions',
      'DELETE /v1/jobs/{job}/executions',
      'GET /v1/jobs/{job}/executions/{execution}',
      'GET /',
      'GET /ui/{path}',
      'GET /v1/jobs/{job}/graph',
      'GET /v1/jobs/{job}/executions/{execution}/stream',
      'GET /v1/plugins',
      'GET /v1/openapi.json',
    ];
    expect(dkron.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('declares every path parameter and unique operation ids', async () => {
    const doc = await documentOf(await full());
    const ids = new Set<string>();
    for (const [path, , op] of operations(doc)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name) ?? []).toEqual(names);
      expect(ids.has(op.operationId)).toBe(false);
      ids.add(op.operationId);
    }
  });

  it('documents query parameters and response shapes', async () => {
    const doc = await documentOf(await full());
    const list = doc.paths['/v1/jobs']?.get as unknown as Operation;
    expect(list.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['q', 'status', 'disabled', 'metadata', '_sort', '_order', '_start', '_end']),
    );
    expect(list.responses['200']?.content?.['application/json']?.schema).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/Job' },
    });
    const one = doc.paths['/v1/jobs/{job}/executions/{execution}']?.get as unknown as Operation;
    expect(one.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Execution',
    });
    expect(one.responses['404']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(Object.keys(doc.components.schemas ?? {})).toEqual(
      expect.arrayContaining(['Job', 'JobInput', 'Execution', 'Member', 'ListedMember', 'Error']),
    );
  });

  it('resolves every $ref', async () => {
    const doc = await documentOf(await full());
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([\w-]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, kind = '', name = ''] of refs) {
      expect(doc.components[kind]?.[name], `${kind}/${name}`).toBeDefined();
    }
  });

  it('leaves out the routes of capabilities that were not given', async () => {
    const doc = await documentOf(await setup());
    expect(doc.paths['/v1/jobs/{job}/graph']).toBeUndefined();
    expect(doc.paths['/ui/{path}']).toBeUndefined();
  });
});
