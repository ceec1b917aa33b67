import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'FOO'] as const;

/** Real routes, so that most requests get past routing to the parsers and the agent. */
const ROUTES: [string, string][] = [
  ['GET', '/v1/jobs'],
  ['POST', '/v1/jobs'],
  ['PATCH', '/v1/jobs'],
  ['PUT', '/v1/jobs/{}'],
  ['GET', '/v1/jobs/{}'],
  ['DELETE', '/v1/jobs/{}'],
  ['POST', '/v1/jobs/{}'],
  ['POST', '/v1/jobs/{}/run'],
  ['POST', '/v1/jobs/{}/toggle'],
  ['GET', '/v1/jobs/{}/graph'],
  ['GET', '/v1/jobs/{}/executions'],
  ['DELETE', '/v1/jobs/{}/executions'],
  ['GET', '/v1/jobs/{}/executions/{}'],
  ['GET', '/v1/jobs/{}/executions/{}/stream'],
  ['POST', '/v1/restore'],
  ['GET', '/v1/stats'],
  ['POST', '/v1/unpause'],
  ['GET', '/ui/{}'],
  ['GET', '/'],
];

const TEMPLATES = [
  '/',
  '/health',
  '/v1',
  '/v1/',
  '/v1/members',
  '/v1/leader',
  '/v1/isleader',
  '/v1/busy',
  '/v1/pause',
  '/v1/unpause',
  '/v1/stats',
  '/v1/restore',
  '/v1/plugins',
  '/v1/openapi.json',
  '/v1/jobs',
  '/v1/jobs/{}',
  '/v1/jobs/{}/run',
  '/v1/jobs/{}/toggle',
  '/v1/jobs/{}/graph',
  '/v1/jobs/{}/executions',
  '/v1/jobs/{}/executions/{}',
  '/v1/jobs/{}/executions/{}/stream',
  '/ui/{}',
  '/{}',
  '/v1/{}/{}',
];

const QUERY_KEYS = [
  'q',
  'status',
  'disabled',
  'metadata[team]',
  'metadata[__proto__]',
  'metadata[]',
  '_sort',
  '_order',
  '_start',
  '_end',
  'output_size_limit',
  'days',
  'pretty',
  'runoncreate',
  'force',
  'jobs',
];

function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ZZ'; // a lone surrogate cannot be encoded; send a broken escape instead
  }
}

const weirdText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '%zz',
    '..',
    '../..',
    '\u0000',
    'ß-ñ',
    '😀',
    'id',
    'name',
    'untriggered',
    'DESC',
  ),
  fc.constantFrom('-1', '0', '1.5', '1e309', 'NaN', 'Infinity', '99999999999999999999999', '0x10', ' 7'),
  fc.integer().map(String),
  fc.bigInt().map(String),
);

const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('alpha', 'parent', 'child', 'off', '1-node-a', 'running-1') },
  { weight: 2, arbitrary: weirdText.map(encode) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }) },
);

const route = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.constantFrom(...TEMPLATES)) },
    ),
    fc.array(segment, { minLength: 2, maxLength: 2 }),
  )
  .map(([[method, template], [a = '', b = '']]) => ({
    method,
    path: template.replace('{}', a).replace('{}', b),
  }));

const query = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom(...QUERY_KEYS), weirdText),
      fc.tuple(weirdText, weirdText),
      fc.constant(['pretty', ''] as [string, string]),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'));

const jobLike = fc.record(
  {
    name: fc.oneof(fc.constantFrom('alpha', 'fresh', 'child', 'parent', ''), weirdText, fc.integer()),
    schedule: fc.oneof(fc.constantFrom('@daily', '@every 1s', '0 0 * * * *', '@at badtime', ''), weirdText),
    parent_job: fc.oneof(fc.constantFrom('parent', 'ghost', ''), weirdText),
    retries: fc.oneof(fc.integer(), fc.double(), weirdText),
    disabled: fc.oneof(fc.boolean(), weirdText),
    concurrency: fc.oneof(fc.constantFrom('allow', 'forbid', 'bad'), weirdText),
    timezone: fc.oneof(fc.constantFrom('Europe/Berlin', 'Mars/Base'), weirdText),
    executor: fc.oneof(fc.constantFrom('shell', 'http', 'teleport'), weirdText),
    executor_config: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), weirdText)),
    tags: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.string())),
    metadata: fc.jsonValue(),
    processors: fc.jsonValue(),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** Mostly valid jobs, so that creates and updates succeed often enough to matter. */
const validJob = fc.record(
  {
    name: fc.constantFrom('alpha', 'fresh', 'new-1', 'ß-job', 'child'),
    schedule: fc.constantFrom('@daily', '@every 1s', '0 0 * * * *'),
    executor: fc.constant('shell'),
    executor_config: fc.record(
      { command: fc.string(), timeout: fc.constantFrom('5s', '1m') },
      { requiredKeys: [] },
    ),
    metadata: fc.option(fc.dictionary(fc.string(), fc.string()), { nil: null }),
    parent_job: fc.constantFrom('', 'parent', 'alpha'),
    disabled: fc.boolean(),
    retries: fc.nat(5),
  },
  { requiredKeys: ['name', 'schedule'] },
);

const nested = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);

type Body =
  | { kind: 'none' }
  | { kind: 'text'; text: string; type?: string }
  | { kind: 'form'; field: string; text: string };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  {
    weight: 6,
    arbitrary: fc
      .tuple(validJob, fc.constantFrom('application/json', 'text/plain', undefined))
      .map(([job, type]) => ({ kind: 'text' as const, text: JSON.stringify(job), type })),
  },
  jobLike.map((job) => ({ kind: 'text' as const, text: JSON.stringify(job), type: 'application/json' })),
  jobLike.map((job) => ({ kind: 'text' as const, text: JSON.stringify(job) })),
  fc
    .jsonValue()
    .map((v) => ({ kind: 'text' as const, text: JSON.stringify(v) ?? 'null', type: 'text/plain' })),
  nested.map((text) => ({ kind: 'text' as const, text, type: 'application/json' })),
  fc.string({ unit: 'binary' }).map((text) => ({ kind: 'text' as const, text, type: 'application/json' })),
  fc.string().map((text) => ({ kind: 'text' as const, text, type: 'multipart/form-data; boundary=x' })),
  fc
    .tuple(
      fc.constantFrom('file', 'other'),
      fc.oneof(
        fc.array(fc.oneof(validJob, jobLike)).map((j) => JSON.stringify(j)),
        fc.string(),
      ),
    )
    .map(([field, text]) => ({ kind: 'form' as const, field, text })),
);

function requestInit(method: string, b: Body): RequestInit {
  if (method === 'GET' || method === 'HEAD' || b.kind === 'none') return { method };
  if (b.kind === 'form') {
    const form = new FormData();
    form.append(b.field, new Blob([b.text]), 'jobs.json');
    return { method, body: form };
  }
  return { method, body: b.text, headers: b.type ? { 'Content-Type': b.type } : {} };
}

async function seeded() {
  const root = mkdtempSync(join(tmpdir(), 'dkron-ui-'));
  writeFileSync(join(root, 'index.html'), '<script>window.DKRON_LEADER = {{.DKRON_LEADER}};</script>');
  const jobGraph = async (name: string) => {
    if (name !== 'alpha') throw new DkronError('NOT_FOUND', `job ${name} not found`);
    return { job: name, ancestors: [], descendants: [], edges: [] };
  };
  // Timers stand still, so that nothing but the fuzz's requests changes the store: no `@every 1s` job it
  // creates fires between the snapshots around a request.
  const clock: Clock = { ...systemClock, setTimeout: () => ({ cancel() {} }) };
  const s = await setup({ bodyLimit: 64 * 1024, ui: { root }, extras: { jobGraph }, testAgent: { clock } });
  await s.agent.seedJob({ name: 'alpha', metadata: { team: 'x' } });
  await s.agent.seedJob({ name: 'parent' });
  await s.agent.seedJob({ name: 'child', parent_job: 'parent', schedule: '' });
  await s.agent.seedJob({ name: 'off', disabled: true });
  await s.agent.seedExecution({ job_name: 'alpha', id: '1-node-a', output: 'out' });
  await s.agent.seedExecution({ job_name: 'alpha', id: 'running-1', status: 'running', success: false });
  return s;
}

describe('fuzz: random methods, paths, queries and bodies', () => {
  it('never answers 5xx, keeps answering, and changes nothing on a 4xx', async () => {
    const { app, agent } = await seeded();
    let paused = false;
    // A write that succeeded may have started a run whose records land a turn or two later.
    let wrote = false;
    await fc.assert(
      fc.asyncProperty(route, query, body, async ({ method, path: p }, q, b) => {
        if (wrote) await agent.settled();
        const before = await agent.snapshot();
        const res = await app.request(q ? `${p}?${q}` : p, requestInit(method, b));
        const type = res.headers.get('Content-Type') ?? '';
        // A live stream would wait for output forever: the headers are the answer.
        const live = type.startsWith('text/event-stream');
        if (live) await res.body?.cancel();
        const text = live ? '' : await res.text();
        const label = `${method} ${p}?${q} → ${res.status} ${text.slice(0, 200)}`;

        if (res.status === 503) {
          // The only 503 a healthy agent allows: submissions paused by an earlier POST /v1/pause.
          expect(paused, label).toBe(true);
          expect(JSON.parse(text), label).toMatchObject({ code: 'PAUSED' });
        } else {
          expect(res.status, label).toBeLessThan(500);
        }
        if (res.status >= 400 && res.status < 500) {
          expect(await agent.snapshot(), label).toBe(before);
          if (method !== 'HEAD' && !p.startsWith('/v1/isleader')) {
            expect(JSON.parse(text), label).toMatchObject({
              message: expect.any(String),
              code: expect.any(String),
            });
          }
        }
        expect(res.headers.get('X-Whom'), label).toBe('node-a');
        wrote = res.status < 400 && !['GET', 'HEAD', 'OPTIONS'].includes(method);
        if (res.status === 200 && method === 'POST' && p === '/v1/pause') paused = true;
        if (res.status === 200 && method === 'POST' && p === '/v1/unpause') paused = false;
      }),
      { numRuns: 1000 },
    );
    expect((await app.request('/health')).status).toBe(200);
    await app.request('/v1/unpause', { method: 'POST' });
    const res = await app.request('/v1/jobs', {
      method: 'POST',
      body: '{"name":"after-fuzz","schedule":"@daily","executor":"shell","executor_config":{"command":"true"}}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(201);
  }, 120_000);
});
