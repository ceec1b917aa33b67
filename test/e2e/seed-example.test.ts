/**
 * The README / Dkron getting-started example, sent as the README's curl command sends it, against a
 * real agent: the job is stored, `date` runs on schedule, executions carry the output and the job's
 * counters move. Dkron's own page leaves out `-H 'Content-Type: application/json'`, so curl sends the
 * body form-urlencoded: dkron-core refuses that with a 415 saying what to add (docs/compatibility.md).
 */

import type { Execution, Job } from '@dkron-core/plugin-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Verbatim body of the README's `curl localhost:8080/v1/jobs -XPOST -H … -d '…'`. */
const SEED =
  '{"name":"job1","schedule":"@every 10s","timezone":"Europe/Berlin","owner":"Platform Team","owner_email":"platform@example.com","disabled":false,"tags":{"dkron_server":"true:1"},"concurrency":"allow","executor":"shell","executor_config":{"command":"date"}}';

/** `date` output, e.g. `Sat Nov 21 23:49:25 UTC 2026`. */
const DATE_OUTPUT = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} [A-Z+\-\d]+ \d{4}\n$/;

let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  agent = await startAgent();
  client = api(agent.baseUrl);
});

/** What `curl -XPOST [-H 'Content-Type: application/json'] -d <body>` sends. */
function curlPost(body: string, type = 'application/json') {
  return client.request<Job>('POST', '/v1/jobs', body, {
    headers: { 'content-type': type, accept: '*/*' },
  });
}

function succeeded(e: Execution): boolean {
  return e.finished_at !== ZERO_TIME && e.success;
}

describe('README seed example', () => {
  it('refuses the body form-urlencoded (curl -d without -H) with a 415 that says what to add', async () => {
    const res = await curlPost(SEED, 'application/x-www-form-urlencoded');
    expect(res.status, res.text).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((res.body as unknown as { message: string }).message).toContain(
      "add -H 'Content-Type: application/json'",
    );
    expect((await client.jobs.get('job1')).status).toBe(404);
  });

  it('stores the job (201) sent as JSON', async () => {
    const sentAt = Date.now();
    const res = await curlPost(SEED);
    const answeredAt = Date.now();
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe('/v1/jobs/job1');
    expect(res.body).toMatchObject({
      id: 'job1',
      name: 'job1',
      schedule: '@every 10s',
      timezone: 'Europe/Berlin',
      owner: 'Platform Team',
      owner_email: 'platform@example.com',
      disabled: false,
      tags: { dkron_server: 'true:1' },
      concurrency: 'allow',
      executor: 'shell',
      executor_config: { command: 'date' },
    });
    const stored = await client.jobs.get('job1');
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject(JSON.parse(SEED) as object);
    // The next fire is within one 10 s period of the save (whole seconds).
    const next = Date.parse(stored.body.next);
    expect(next).toBeGreaterThan(sentAt - 1_000);
    expect(next).toBeLessThanOrEqual(answeredAt + 10_000);

    // The same example on a 2 s period, checked below while job1 waits for its first slot.
    const fast = await curlPost(SEED.replace('"job1"', '"job2"').replace('@every 10s', '@every 2s'));
    expect(fast.status, fast.text).toBe(201);
  });

  it('runs `date` within 25 s: a successful execution with a date as output; counters move', async () => {
    const [first] = await waitFor(
      async () => {
        const res = await client.jobs.executions('job1');
        const ok = res.body.filter(succeeded);
        return ok.length > 0 ? ok : undefined;
      },
      { timeoutMs: 25_000, intervalMs: 250, message: 'a successful execution of job1' },
    );
    expect(first).toMatchObject({ job_name: 'job1', success: true, node_name: agent.nodeName, attempt: 1 });
    expect(first?.output).toMatch(DATE_OUTPUT);
    expect(first?.status).toBe('success');
    const job = await waitFor(
      async () => {
        const j = (await client.jobs.get('job1')).body;
        return j.success_count >= 1 ? j : undefined;
      },
      { message: 'job1 success_count ≥ 1' },
    );
    expect(job).toMatchObject({ status: 'success', error_count: 0 });
    expect(job.last_success).not.toBeNull();
    expect(Date.parse(job.next)).toBeGreaterThan(Date.parse(first?.started_at ?? ''));
  });

  it('the same example on @every 2s (created above) keeps running and counting', async () => {
    const runs = await waitFor(
      async () => {
        const ok = (await client.jobs.executions('job2')).body.filter(succeeded);
        return ok.length >= 2 ? ok : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 250, message: 'two successful executions of job2' },
    );
    for (const e of runs) expect(e.output).toMatch(DATE_OUTPUT);
    // Two slots of its own 2 s grid, each run started at or after its slot.
    const [newer, older] = runs as [Execution, Execution];
    const spacing = Date.parse(newer.scheduled_at ?? '') - Date.parse(older.scheduled_at ?? '');
    expect(spacing).toBeGreaterThanOrEqual(2_000);
    expect(spacing % 2_000).toBe(0);
    for (const e of runs)
      expect(Date.parse(e.started_at)).toBeGreaterThanOrEqual(Date.parse(e.scheduled_at ?? ''));
    const counted = await waitFor(
      async () => {
        const j = (await client.jobs.get('job2')).body;
        return j.success_count >= 2 ? j : undefined;
      },
      { message: 'job2 success_count ≥ 2' },
    );
    const before = counted.success_count;
    await waitFor(async () => (await client.jobs.get('job2')).body.success_count > before, {
      timeoutMs: 5_000,
      message: 'job2 success_count grows again',
    });
    const executions = await client.jobs.executions('job2');
    expect(executions.headers.get('x-total-count')).toBe(String(executions.body.length));
    // Disable both so nothing runs while the agent is torn down.
    expect((await client.jobs.toggle('job2')).body.disabled).toBe(true);
    expect((await client.jobs.toggle('job1')).body.disabled).toBe(true);
  });
});
