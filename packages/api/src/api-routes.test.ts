import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from './index.js';
import { setup } from './testing/harness.js';

/** The app with every optional capability, so every route is in its OpenAPI document. */
async function openApi(): Promise<OpenApiDocument> {
  const { app } = await setup({
    extras: {
      jobGraph: async (job) => ({ job, ancestors: [], descendants: [], edges: [] }),
      metrics: async () => ({ contentType: 'text/plain', body: '' }),
      debugVars: async () => ({}),
    },
  });
  return (await (await app.request('/v1/openapi.json')).json()) as OpenApiDocument;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** docs/api-routes.md: every operation of the served OpenAPI document. */
function renderRoutes(doc: OpenApiDocument): string {
  const rows: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations as Record<string, { summary?: string }>)) {
      rows.push(`| \`${method.toUpperCase()} ${path}\` | ${cell(operation.summary ?? '')} |`);
    }
  }
  return [
    "<!-- Generated from the API's OpenAPI document: `npx --yes pnpm@10.34.9 run docs` rewrites it (a test fails when it is stale). Do not edit. -->",
    '',
    '# API routes',
    '',
    `Every route of the API (OpenAPI ${doc.openapi}, served at \`GET /v1/openapi.json\` with the parameters,`,
    'bodies and answers of each one). See [api.md](api.md) for how to use it.',
    '',
    '| Route | What it does |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

describe('docs/api-routes.md', () => {
  it('lists every route of the served OpenAPI document', async () => {
    const doc = await openApi();
    expect(Object.keys(doc.paths)).toContain('/v1/jobs/{job}/executions');
    await expect(renderRoutes(doc)).toMatchFileSnapshot('../../../docs/api-routes.md');
  });
});
