/**
 * Every route of the v1 API (reference §1.3) against a real agent: happy paths, error statuses and
 * the validation cases of Dkron's `api_test.go` and its e2e bats suite. One agent serves the whole
 * file; each test uses job names of its own.
 */

import { readFile } from 'node:fs/promises';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, type ApiResponse, api, startAgent, waitFor } from './helpers/index.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const DKRON_BACKUP = new URL('../fixtures/dkron-backup-jobs.json', import.meta.url);

let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  // A short shutdown timeout: the graceful stop below cancels the `sleep` jobs still running.
  agent = await startAgent({ args: ['--shutdown-timeout', '1s', '--enable-prometheus'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
});

/** A manual-only shell job. */
function shellJob(name: string, command = 'echo ok', extra: Record<string, unknown> = {}) {
  return { name, schedule: '@manually', executor: 'shell', executor_config: { command }, ...extra };
}

async function create(job: Record<string, unknown> & { name: string }): Promise<Job> {
  const res = await client.jobs.save(job);
  expect(res.status, `create ${job.name}: ${res.text}`).toBe(201);
  return res.body;
}

function finished(e: Execution): boolean {
  return e.finished_at !== ZERO_TIME && e.status !== 'running';
}

/** Waits until `job` has at least `count` finished executions; returns them (newest first). */
async function finishedExecutions(job: string, count = 1, timeoutMs = 15_000): Promise<Execution[]> {
  return waitFor(
    async () => {
      const res = await client.jobs.executions(job);
      const done = res.status === 200 ? res.body.filter(finished) : [];
      return done.length >= count ? done : undefined;
    },
    { timeoutMs, message: `${count} finished execution(s) of ${job}` },
  );
}

function names(res: ApiResponse<Job[]>): string[] {
  return res.body.map((j) => j.name);
}

async function restore(fileText: string, field = 'file'): Promise<ApiResponse<unknown>> {
  const form = new FormData();
  form.append(field, new Blob([fileText], { type: 'application/json' }), 'backup.json');
  const res = await fetch(new URL('/v1/restore', agent.baseUrl), { method: 'POST', body: form });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, text, body: isJson ? JSON.parse(text) : text };
}

describe('POST /v1/jobs, PUT /v1/jobs/:job, PATCH /v1/jobs', () => {
  it('creates a job: 201, Location and the job in the body', async () => {
    const res = await client.jobs.save({
      name: 'crud-a',
      displayname: 'Crud A',
      schedule: '@every 1h',
      timezone: 'Europe/Berlin',
      owner: 'Platform Team',
      owner_email: 'platform@example.com',
      metadata: { team: 'core' },
      retries: 2,
      concurrency: 'forbid',
      executor: 'shell',
      executor_config: { command: 'echo created' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/v1/jobs/crud-a');
    expect(res.body).toMatchObject({
      id: 'crud-a',
      name: 'crud-a',
      displayname: 'Crud A',
      schedule: '@every 1h',
      timezone: 'Europe/Berlin',
      owner: 'Platform Team',
      owner_email: 'platform@example.com',
      metadata: { team: 'core' },
      retries: 2,
      concurrency: 'forbid',
      executor: 'shell',
      executor_config: { command: 'echo created' },
      disabled: false,
      success_count: 0,
      error_count: 0,
      last_success: null,
      last_error: null,
      status: '',
    });
    const got = await client.jobs.get('crud-a');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      name: 'crud-a',
      retries: 2,
      timezone: 'Europe/Berlin',
      concurrency: 'forbid',
    });
  });

  it('a disabled job can be created', async () => {
    const res = await client.jobs.save({
      ...shellJob('crud-disabled'),
      schedule: '@every 1s',
      disabled: true,
    });
    expect(res.status).toBe(201);
    expect((await client.jobs.get('crud-disabled')).body.disabled).toBe(true);
  });

  it('re-POST of the same name overwrites the job (a full replace)', async () => {
    await create({
      name: 'crud-b',
      displayname: 'B',
      schedule: '@every 1h',
      disabled: true,
      executor: 'shell',
      executor_config: { command: 'echo one' },
    });
    const res = await client.jobs.save({
      name: 'crud-b',
      schedule: '@every 1h',
      disabled: false,
      executor: 'shell',
      executor_config: { command: 'echo two' },
    });
    expect(res.status).toBe(201);
    const got = await client.jobs.get('crud-b');
    expect(got.body).toMatchObject({
      disabled: false,
      executor_config: { command: 'echo two' },
      displayname: '',
    });
    expect(names(await client.jobs.list('q=crud-b'))).toEqual(['crud-b']);
  });

  it('PUT /v1/jobs/:job ignores the path name: the body name decides', async () => {
    const res = await client.put<Job>('/v1/jobs/not-the-name', shellJob('crud-put'));
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('crud-put');
    expect(res.headers.get('location')).toBe('/v1/jobs/crud-put');
    expect((await client.jobs.get('crud-put')).status).toBe(200);
    expect((await client.jobs.get('not-the-name')).status).toBe(404);
    // Updating through PUT.
    const again = await client.put<Job>('/v1/jobs/crud-put', shellJob('crud-put', 'echo put-2'));
    expect(again.status).toBe(201);
    expect((await client.jobs.get('crud-put')).body.executor_config).toEqual({ command: 'echo put-2' });
  });

  it('PATCH /v1/jobs is the same full replace as POST', async () => {
    await create({ ...shellJob('crud-patch'), metadata: { a: 'b' } });
    const res = await client.patch<Job>('/v1/jobs', {
      ...shellJob('crud-patch', 'echo patched'),
      schedule: '@every 2h',
    });
    expect(res.status).toBe(201);
    const got = await client.jobs.get('crud-patch');
    expect(got.body).toMatchObject({
      schedule: '@every 2h',
      executor_config: { command: 'echo patched' },
      metadata: null,
    });
  });
});

describe('GET /v1/jobs', () => {
  beforeAll(async () => {
    await create({ ...shellJob('lst-a'), displayname: 'Alpha', metadata: { team: 'x', env: 'prod' } });
    await create({ ...shellJob('lst-b'), disabled: true, metadata: { team: 'x' } });
    await create({ ...shellJob('lst-c'), metadata: { team: 'y' } });
    await create(shellJob('lst-d'));
    expect((await client.jobs.run('lst-d')).status).toBe(200);
    await finishedExecutions('lst-d');
    await waitFor(async () => (await client.jobs.get('lst-d')).body.status === 'success', {
      message: 'lst-d status success',
    });
  });

  it('lists every job with X-Total-Count', async () => {
    const res = await client.jobs.list();
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.headers.get('x-total-count')).toBe(String(res.body.length));
    expect(names(res)).toEqual(expect.arrayContaining(['lst-a', 'lst-b', 'lst-c', 'lst-d']));
  });

  it('q is a case-sensitive substring of name or displayname', async () => {
    const res = await client.jobs.list('q=lst-');
    expect(names(res).sort()).toEqual(['lst-a', 'lst-b', 'lst-c', 'lst-d']);
    expect(res.headers.get('x-total-count')).toBe('4');
    expect(names(await client.jobs.list('q=Alpha'))).toEqual(['lst-a']);
    expect(names(await client.jobs.list('q=alpha'))).not.toContain('lst-a');
  });

  it('status=untriggered selects jobs that never ran; status=success the ones that did', async () => {
    expect(names(await client.jobs.list('q=lst-&status=untriggered')).sort()).toEqual([
      'lst-a',
      'lst-b',
      'lst-c',
    ]);
    expect(names(await client.jobs.list('q=lst-&status=success'))).toEqual(['lst-d']);
  });

  it('disabled=true / disabled=false', async () => {
    expect(names(await client.jobs.list('q=lst-&disabled=true'))).toEqual(['lst-b']);
    expect(names(await client.jobs.list('q=lst-&disabled=false')).sort()).toEqual([
      'lst-a',
      'lst-c',
      'lst-d',
    ]);
  });

  it('metadata[k]=v filters, every pair must match', async () => {
    expect(names(await client.jobs.list('q=lst-&metadata[team]=x')).sort()).toEqual(['lst-a', 'lst-b']);
    expect(names(await client.jobs.list('q=lst-&metadata%5Bteam%5D=x&metadata%5Benv%5D=prod'))).toEqual([
      'lst-a',
    ]);
    expect(names(await client.jobs.list('q=lst-&metadata[team]=z'))).toEqual([]);
  });

  it('_sort/_order/_start/_end sort and slice; X-Total-Count counts before slicing', async () => {
    expect(names(await client.jobs.list('q=lst-&_sort=name&_order=DESC'))).toEqual([
      'lst-d',
      'lst-c',
      'lst-b',
      'lst-a',
    ]);
    expect(names(await client.jobs.list('q=lst-&_sort=id&_order=ASC'))).toEqual([
      'lst-a',
      'lst-b',
      'lst-c',
      'lst-d',
    ]);
    const page = await client.jobs.list('q=lst-&_sort=name&_order=DESC&_start=1&_end=3');
    expect(names(page)).toEqual(['lst-c', 'lst-b']);
    expect(page.headers.get('x-total-count')).toBe('4');
    const byCount = await client.jobs.list('q=lst-&_sort=success_count&_order=DESC');
    expect(names(byCount)[0]).toBe('lst-d');
  });

  it('an unknown _sort is a 400 naming the field (Dkron answers 500)', async () => {
    const res = await client.jobs.list('_sort=bogus');
    expect(res.status).toBe(400);
    expect(res.text).toContain('_sort');
    expect(res.text).toContain('bogus');
  });

  it('a reversed slice is a 400 (Dkron panics into a 500)', async () => {
    const res = await client.jobs.list('_start=3&_end=1');
    expect(res.status).toBe(400);
    expect(res.text).toContain('_start');
  });
});

describe('GET and DELETE /v1/jobs/:job', () => {
  it('GET an unknown job is a 404', async () => {
    expect((await client.jobs.get('no-such-job')).status).toBe(404);
  });

  it('DELETE answers 200 with the deleted job, then 404', async () => {
    await create(shellJob('del-a'));
    const res = await client.jobs.delete('del-a');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'del-a', executor_config: { command: 'echo ok' } });
    expect((await client.jobs.get('del-a')).status).toBe(404);
    expect((await client.jobs.delete('del-a')).status).toBe(404);
    expect((await client.jobs.delete('never-existed')).status).toBe(404);
  });

  it('deleting a job also deletes its executions', async () => {
    await create(shellJob('del-runs'));
    await client.jobs.run('del-runs');
    await finishedExecutions('del-runs');
    expect((await client.jobs.delete('del-runs')).status).toBe(200);
    await create(shellJob('del-runs'));
    expect((await client.jobs.executions('del-runs')).body).toEqual([]);
  });

  it('a parent with children cannot be deleted; deleting the child unlinks it', async () => {
    await create(shellJob('del-parent'));
    await create({ ...shellJob('del-child'), schedule: '', parent_job: 'del-parent' });
    expect((await client.jobs.get('del-parent')).body.dependent_jobs).toEqual(['del-child']);
    const refused = await client.jobs.delete('del-parent');
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('dependent');
    expect((await client.jobs.get('del-parent')).status).toBe(200);
    expect((await client.jobs.delete('del-child')).status).toBe(200);
    expect((await client.jobs.get('del-parent')).body.dependent_jobs ?? []).toEqual([]);
    expect((await client.jobs.delete('del-parent')).status).toBe(200);
  });
});

describe('POST /v1/jobs/:job (run) and /run', () => {
  it('runs a job: 200 with the job and Location; the /run alias too', async () => {
    await create(shellJob('run-a', 'echo ran'));
    const res = await client.jobs.run('run-a');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('run-a');
    expect(res.headers.get('location')).toBe('/v1/jobs/run-a');
    await finishedExecutions('run-a', 1);
    const alias = await client.post<Job>('/v1/jobs/run-a/run');
    expect(alias.status).toBe(200);
    expect(alias.body.name).toBe('run-a');
    expect(alias.headers.get('location')).toBe('/v1/jobs/run-a/run');
    const runs = await finishedExecutions('run-a', 2);
    for (const e of runs) {
      expect(e).toMatchObject({
        job_name: 'run-a',
        success: true,
        output: 'ran\n',
        node_name: agent.nodeName,
        attempt: 1,
      });
      expect(Date.parse(e.finished_at)).toBeGreaterThanOrEqual(Date.parse(e.started_at));
    }
    expect(new Set(runs.map((e) => e.group)).size).toBe(2);
  });

  it('?runoncreate saves the job (201) and starts a run', async () => {
    const res = await client.post<Job>(
      '/v1/jobs?runoncreate',
      shellJob('run-on-create', 'echo created-and-ran'),
    );
    expect(res.status, res.text).toBe(201);
    const [e] = await finishedExecutions('run-on-create');
    expect(e).toMatchObject({ success: true, output: 'created-and-ran\n' });
  });

  it('an unknown job is a 404 on both routes', async () => {
    expect((await client.jobs.run('no-such-job')).status).toBe(404);
    expect((await client.post('/v1/jobs/no-such-job/run')).status).toBe(404);
  });

  it('a disabled job cannot be run manually (404) and leaves no execution', async () => {
    await create({ ...shellJob('run-disabled'), disabled: true });
    expect((await client.jobs.run('run-disabled')).status).toBe(404);
    expect((await client.post('/v1/jobs/run-disabled/run')).status).toBe(404);
    expect((await client.jobs.executions('run-disabled')).body).toEqual([]);
  });

  it('a child job can be run manually', async () => {
    await create(shellJob('run-parent'));
    await create({ ...shellJob('run-child', 'echo child'), schedule: '', parent_job: 'run-parent' });
    expect((await client.jobs.run('run-child')).status).toBe(200);
    const [e] = await finishedExecutions('run-child');
    expect(e).toMatchObject({ success: true, output: 'child\n' });
  });
});

describe('POST /v1/jobs/:job/toggle', () => {
  it('flips disabled both ways, with Location; unknown → 404', async () => {
    await create(shellJob('tgl-a'));
    const off = await client.jobs.toggle('tgl-a');
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ name: 'tgl-a', disabled: true });
    expect(off.headers.get('location')).toBe('/v1/jobs/tgl-a/toggle');
    expect((await client.jobs.get('tgl-a')).body.disabled).toBe(true);
    const on = await client.jobs.toggle('tgl-a');
    expect(on.status).toBe(200);
    expect(on.body.disabled).toBe(false);
    expect((await client.jobs.get('tgl-a')).body.disabled).toBe(false);
    expect((await client.jobs.toggle('no-such-job')).status).toBe(404);
  });
});

describe('executions', () => {
  it('GET executions: 404 for an unknown job, [] with X-Total-Count 0 for a job that never ran', async () => {
    expect((await client.jobs.executions('no-such-job')).status).toBe(404);
    await create(shellJob('exe-empty'));
    const res = await client.jobs.executions('exe-empty');
    expect(res.status).toBe(200);
    expect(res.text).toBe('[]');
    expect(res.headers.get('x-total-count')).toBe('0');
  });

  it('output_size_limit keeps the last N bytes and sets output_truncated', async () => {
    await create(shellJob('exe-out', 'echo 0123456789'));
    await client.jobs.run('exe-out');
    const [e] = await finishedExecutions('exe-out');
    const full = await client.get<Execution[]>('/v1/jobs/exe-out/executions');
    expect(full.headers.get('x-total-count')).toBe('1');
    expect(full.body[0]).toMatchObject({
      id: e?.id,
      output: '0123456789\n',
      success: true,
      status: 'success',
    });
    const cut = await client.get<Execution[]>('/v1/jobs/exe-out/executions?output_size_limit=5');
    expect(cut.status).toBe(200);
    expect(cut.body[0]).toMatchObject({ output: '6789\n', output_truncated: true });
    const roomy = await client.get<Execution[]>('/v1/jobs/exe-out/executions?output_size_limit=200');
    expect(roomy.body[0]).toMatchObject({ output: '0123456789\n', output_truncated: false });
  });

  it('the list always carries output_truncated (false when nothing was cut), as Dkron', async () => {
    await create(shellJob('exe-flag', 'echo flag'));
    await client.jobs.run('exe-flag');
    await finishedExecutions('exe-flag');
    const res = await client.get<Execution[]>('/v1/jobs/exe-flag/executions');
    expect(res.body[0]).toMatchObject({ output: 'flag\n', output_truncated: false });
  });

  it('GET one execution by id: full output; unknown id or job → 404', async () => {
    await create(shellJob('exe-one', 'echo single'));
    await client.jobs.run('exe-one');
    const [e] = await finishedExecutions('exe-one');
    if (!e) throw new Error('no execution');
    expect(e.id).toMatch(new RegExp(`^\\d+-${agent.nodeName}$`));
    const one = await client.get<Execution>(`/v1/jobs/exe-one/executions/${encodeURIComponent(e.id)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: e.id, job_name: 'exe-one', output: 'single\n', success: true });
    expect((await client.get('/v1/jobs/exe-one/executions/1-nobody')).status).toBe(404);
    expect((await client.get(`/v1/jobs/no-such-job/executions/${encodeURIComponent(e.id)}`)).status).toBe(
      404,
    );
  });

  it('DELETE executions removes them and resets the counters', async () => {
    await create(shellJob('exe-del', 'echo x'));
    await client.jobs.run('exe-del');
    await finishedExecutions('exe-del');
    await waitFor(async () => (await client.jobs.get('exe-del')).body.success_count === 1, {
      message: 'success_count 1',
    });
    const res = await client.delete<Job>('/v1/jobs/exe-del/executions');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'exe-del',
      success_count: 0,
      error_count: 0,
      last_success: null,
      last_error: null,
    });
    expect((await client.jobs.executions('exe-del')).body).toEqual([]);
    expect((await client.jobs.get('exe-del')).body).toMatchObject({ success_count: 0, last_success: null });
    expect((await client.delete('/v1/jobs/no-such-job/executions')).status).toBe(404);
  });
});

describe('GET /v1/busy', () => {
  it('shows a running job with X-Total-Count, and drops it when it ends', async () => {
    const empty = await client.get<Execution[]>('/v1/busy');
    expect(empty.status).toBe(200);
    expect(empty.headers.get('x-total-count')).toBe(String(empty.body.length));
    await create(
      shellJob('busy-sleep', 'sleep 30', { executor_config: { command: 'sleep 30', timeout: '2s' } }),
    );
    expect((await client.jobs.run('busy-sleep')).status).toBe(200);
    const busy = await waitFor(
      async () => {
        const res = await client.get<Execution[]>('/v1/busy');
        return res.body.some((e) => e.job_name === 'busy-sleep') ? res : undefined;
      },
      { message: 'busy-sleep in /v1/busy' },
    );
    expect(busy.headers.get('x-total-count')).toBe(String(busy.body.length));
    const running = busy.body.find((e) => e.job_name === 'busy-sleep');
    expect(running).toMatchObject({ node_name: agent.nodeName, finished_at: ZERO_TIME, status: 'running' });
    // The 2 s timeout ends it.
    await finishedExecutions('busy-sleep', 1, 10_000);
    await waitFor(
      async () => !(await client.get<Execution[]>('/v1/busy')).body.some((e) => e.job_name === 'busy-sleep'),
      {
        message: 'busy-sleep gone from /v1/busy',
      },
    );
  });
});

describe('pause / unpause', () => {
  it('follows Dkron: create blocked with 503 while paused; scheduling, runs, toggle and delete go on', async () => {
    await create({ ...shellJob('pause-every', 'echo tick'), schedule: '@every 1s' });
    await create(shellJob('pause-manual', 'echo manual'));
    await create(shellJob('pause-delete'));
    try {
      const initial = await client.get('/v1/pause');
      expect(initial).toMatchObject({ status: 200, body: { paused: false } });
      expect((await client.post('/v1/pause')).body).toEqual({ paused: true });
      expect((await client.post('/v1/pause')).body).toEqual({ paused: true });
      expect((await client.get('/v1/pause')).body).toEqual({ paused: true });

      const blocked = await client.jobs.save(shellJob('pause-new'));
      expect(blocked.status).toBe(503);
      expect(blocked.text).toContain('paused');
      expect((await client.put('/v1/jobs/pause-new', shellJob('pause-new'))).status).toBe(503);
      expect((await client.patch('/v1/jobs', shellJob('pause-new'))).status).toBe(503);
      expect((await client.jobs.get('pause-new')).status).toBe(404);

      // Scheduling continues: a new execution of the @every 1s job starts after the pause.
      const pausedAt = Date.now();
      await waitFor(
        async () =>
          (await client.jobs.executions('pause-every')).body.some(
            (e) => finished(e) && Date.parse(e.started_at) > pausedAt,
          ),
        { message: 'pause-every ran while paused' },
      );
      // Manual runs continue.
      expect((await client.jobs.run('pause-manual')).status).toBe(200);
      const [manual] = await finishedExecutions('pause-manual');
      expect(manual).toMatchObject({ success: true, output: 'manual\n' });
      // Toggle and delete bypass the pause.
      expect((await client.jobs.toggle('pause-every')).body.disabled).toBe(true);
      expect((await client.jobs.delete('pause-delete')).status).toBe(200);
    } finally {
      const unpaused = await client.post('/v1/unpause');
      expect(unpaused).toMatchObject({ status: 200, body: { paused: false } });
    }
    expect((await client.post('/v1/unpause')).body).toEqual({ paused: false });
    expect((await client.get('/v1/pause')).body).toEqual({ paused: false });
    expect((await client.jobs.save(shellJob('pause-new'))).status).toBe(201);
  });
});

describe('GET /v1/stats', () => {
  it('daily counters: 30 days by default, oldest first, today counting runs', async () => {
    const today = `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
    type Stats = { stats: { date: string; success_count: number; failed_count: number }[] };
    const before = await client.get<Stats>('/v1/stats');
    expect(before.status).toBe(200);
    expect(before.body.stats).toHaveLength(30);
    const dates = before.body.stats.map((s) => s.date);
    expect([...dates].sort()).toEqual(dates);
    expect(dates.at(-1)).toBe(today);
    const todayBefore = before.body.stats.at(-1);

    await create(shellJob('stats-ok', 'true'));
    await create(shellJob('stats-ko', 'false'));
    await client.jobs.run('stats-ok');
    await client.jobs.run('stats-ko');
    await finishedExecutions('stats-ok');
    await finishedExecutions('stats-ko');
    const after = await waitFor(
      async () => {
        const res = await client.get<Stats>('/v1/stats?days=2');
        const last = res.body.stats.at(-1);
        return last &&
          last.success_count >= (todayBefore?.success_count ?? 0) + 1 &&
          last.failed_count >= (todayBefore?.failed_count ?? 0) + 1
          ? res
          : undefined;
      },
      { message: "today's stats counting the runs" },
    );
    expect(after.body.stats).toHaveLength(2);
    expect(after.body.stats.at(-1)?.date).toBe(today);

    expect((await client.get<Stats>('/v1/stats?days=0')).body.stats).toHaveLength(30);
    expect((await client.get<Stats>('/v1/stats?days=abc')).body.stats).toHaveLength(30);
    expect((await client.get<Stats>('/v1/stats?days=1000')).body.stats).toHaveLength(365);
  });
});

describe('POST /v1/restore', () => {
  it('restores a backup made from GET /v1/jobs of parents and children', async () => {
    await create({ ...shellJob('rs-parent', 'echo parent'), schedule: '@every 1h', metadata: { set: 'rs' } });
    await create({ ...shellJob('rs-child', 'echo child'), schedule: '', parent_job: 'rs-parent' });
    await create({ ...shellJob('rs-grandchild', 'echo grandchild'), schedule: '', parent_job: 'rs-child' });
    await create(shellJob('rs-solo'));
    const backup = await client.jobs.list('q=rs-');
    expect(backup.body).toHaveLength(4);
    for (const name of ['rs-grandchild', 'rs-child', 'rs-parent', 'rs-solo']) {
      expect((await client.jobs.delete(name)).status).toBe(200);
    }

    const res = await restore(backup.text);
    expect(res.status, res.text).toBe(200);
    expect(typeof res.body).toBe('string');
    expect(res.text).not.toContain('fail');
    const results = JSON.parse(res.body as string) as string[];
    expect([...results].sort()).toEqual(
      ['rs-child', 'rs-grandchild', 'rs-parent', 'rs-solo'].map((n) => `success create ${n}`),
    );
    expect(results.indexOf('success create rs-parent')).toBeLessThan(
      results.indexOf('success create rs-child'),
    );
    expect(results.indexOf('success create rs-child')).toBeLessThan(
      results.indexOf('success create rs-grandchild'),
    );

    expect((await client.jobs.get('rs-parent')).body).toMatchObject({
      dependent_jobs: ['rs-child'],
      metadata: { set: 'rs' },
      schedule: '@every 1h',
    });
    expect((await client.jobs.get('rs-child')).body).toMatchObject({
      parent_job: 'rs-parent',
      dependent_jobs: ['rs-grandchild'],
    });
    expect((await client.jobs.get('rs-grandchild')).body).toMatchObject({ parent_job: 'rs-child' });
  });

  it("restores a Dkron backup file (Dkron's testBackupJobs.json shape, shell executor)", async () => {
    const res = await restore(await readFile(DKRON_BACKUP, 'utf8'));
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain('fail');
    const results = JSON.parse(res.body as string) as string[];
    expect(results).toHaveLength(8);
    const all = names(await client.jobs.list('q=task'));
    expect(all.sort()).toEqual(['task1', 'task2', 'task3', 'task4', 'task5', 'task6', 'task7', 'task8']);
    expect((await client.jobs.get('task2')).body.dependent_jobs).toEqual(['task3']);
    expect([...((await client.jobs.get('task5')).body.dependent_jobs ?? [])].sort()).toEqual([
      'task6',
      'task7',
    ]);
    expect((await client.jobs.get('task8')).body.parent_job).toBe('task6');
    // Imported counters are kept (the store keeps the larger of stored and posted).
    expect((await client.jobs.get('task1')).body).toMatchObject({ success_count: 26, error_count: 6 });
  });

  it('a form without a file field is a 404; a body that is not a form is a 400', async () => {
    expect((await restore('[]', 'other')).status).toBe(404);
    const res = await client.post('/v1/restore', [shellJob('rs-json')]);
    expect(res.status).toBe(400);
  });
});

describe('system routes', () => {
  it('/health: 200, healthy, with the leader key', async () => {
    const res = await client.get<{ status: string; leader?: boolean }>('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
    expect(res.body).toHaveProperty('leader', true);
  });

  it('/metrics with --enable-prometheus: 200 text/plain, never gzip, dkron_ metrics', async () => {
    const res = await client.request('GET', '/metrics', undefined, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.text).toContain('dkron_');
  });

  it('/debug/vars answers 200 with JSON', async () => {
    const res = await client.get('/debug/vars');
    expect(res.status).toBe(200);
    expect(res.body).toBeTypeOf('object');
  });

  it('/v1 and /v1/ describe the node', async () => {
    for (const path of ['/v1', '/v1/']) {
      const res = await client.get<{
        agent: { name: string; version: string };
        serf: object;
        tags: Record<string, string>;
      }>(path);
      expect(res.status, path).toBe(200);
      expect(res.body.agent.name).toBe(agent.nodeName);
      expect(typeof res.body.agent.version).toBe('string');
      expect(res.body.serf).toBeTypeOf('object');
      expect(res.body.tags).toMatchObject({ role: 'dkron', server: 'true' });
    }
  });

  it('/v1/members: alive, with Tags and X-Total-Count', async () => {
    type Member = {
      Name: string;
      Status: number;
      statusText: string;
      id: string;
      Tags: Record<string, string>;
    };
    const res = await client.get<Member[]>('/v1/members');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total-count')).toBe('1');
    expect(res.body).toHaveLength(1);
    const [me] = res.body;
    expect(me).toMatchObject({ Name: agent.nodeName, Status: 1, statusText: 'alive' });
    expect(typeof me?.id).toBe('string');
    expect(me?.Tags).toMatchObject({ role: 'dkron', server: 'true', dc: 'dc1', region: 'global' });
  });

  it('/v1/members Tags advertise the RPC port given with --rpc-port', async () => {
    const res = await client.get<{ Tags: Record<string, string> }[]>('/v1/members');
    expect(res.body[0]?.Tags).toMatchObject({
      port: String(agent.ports.rpc),
      rpc_addr: `127.0.0.1:${agent.ports.rpc}`,
    });
  });

  it('/v1/leader and /v1/isleader', async () => {
    const leader = await client.get<Record<string, unknown>>('/v1/leader');
    expect(leader.status).toBe(200);
    expect(leader.body).toMatchObject({ Name: agent.nodeName, Status: 1 });
    expect(leader.body).not.toHaveProperty('statusText');
    const is = await client.get('/v1/isleader');
    expect(is.status).toBe(200);
    expect(is.body).toBe('I am a leader');
  });

  it('X-Whom names the node on every response, errors and preflights included', async () => {
    const responses = await Promise.all([
      client.get('/health'),
      client.get('/v1'),
      client.get('/v1/jobs'),
      client.get('/v1/jobs/no-such-job'),
      client.jobs.save({ name: 'BAD JOB NAME!' }),
      client.get('/v1/busy'),
      client.get('/v1/members'),
      client.get('/v1/stats'),
      client.get('/v1/pause'),
      client.get('/v1/no-such-route'),
      client.request('OPTIONS', '/v1/jobs', undefined, {
        headers: { Origin: 'http://ui.example', 'Access-Control-Request-Method': 'POST' },
      }),
    ]);
    for (const res of responses) expect(res.headers.get('x-whom')).toBe(agent.nodeName);
  });

  it('CORS: no header for any origin unless --cors-allowed-origins names it', async () => {
    const pre = await client.request('OPTIONS', '/v1/jobs/some-job', undefined, {
      headers: {
        Origin: 'http://ui.example',
        'Access-Control-Request-Method': 'DELETE',
        'Access-Control-Request-Headers': 'content-type,x-custom',
      },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-methods')).toBeNull();
    const get = await client.request('GET', '/v1/jobs', undefined, {
      headers: { Origin: 'http://ui.example' },
    });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('pretty indents the JSON', async () => {
    await create(shellJob('pretty-a'));
    const plain = await client.get('/v1/jobs/pretty-a');
    expect(plain.text).not.toContain('\n');
    const pretty = await client.get('/v1/jobs/pretty-a?pretty');
    expect(pretty.status).toBe(200);
    expect(pretty.text).toMatch(/^\{\n\s+"id": "pretty-a",\n/);
    expect(JSON.parse(pretty.text)).toEqual(plain.body);
    expect((await client.get('/v1/members?pretty=1')).text).toContain('\n');
  });

  it('/v1/openapi.json lists /v1/jobs', async () => {
    const res = await client.get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      '/v1/openapi.json',
    );
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.paths).toHaveProperty('/v1/jobs');
    expect(Object.keys(res.body.paths['/v1/jobs'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'post', 'patch']),
    );
  });
});

describe('validation (api_test.go)', () => {
  it('parent_job equal to the name → 400', async () => {
    const res = await client.jobs.save({ ...shellJob('val-self'), parent_job: 'val-self' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('the job can not have itself as parent');
  });

  it('a non-existent parent → 404 and the job is not created', async () => {
    const res = await client.jobs.save({
      ...shellJob('val-orphan'),
      schedule: '',
      parent_job: 'val-no-parent',
    });
    expect(res.status).toBe(404);
    expect(res.text).toContain('specified parent job not found');
    expect((await client.jobs.get('val-orphan')).status).toBe(404);
  });

  it('updating a parent keeps its dependent_jobs', async () => {
    await create(shellJob('val-parent'));
    await create({ ...shellJob('val-child'), schedule: '', parent_job: 'val-parent' });
    expect((await client.jobs.get('val-parent')).body.dependent_jobs).toEqual(['val-child']);
    await create(shellJob('val-parent', 'echo updated'));
    const parent = await client.jobs.get('val-parent');
    expect(parent.body.dependent_jobs).toEqual(['val-child']);
    expect(parent.body.executor_config).toEqual({ command: 'echo updated' });
  });

  it('name rules: BAD JOB NAME! → 400, Unicode lowercase → 201, empty → 400 (even with a parent)', async () => {
    expect((await client.jobs.save(shellJob('BAD JOB NAME!'))).status).toBe(400);
    const unicode = 'ßñëäïüøáé-_1';
    const ok = await client.jobs.save(shellJob(unicode));
    expect(ok.status, ok.text).toBe(201);
    expect((await client.jobs.get(unicode)).body.name).toBe(unicode);
    expect((await client.jobs.save(shellJob(''))).status).toBe(400);
    await create(shellJob('val-empty-parent'));
    expect(
      (await client.jobs.save({ ...shellJob(''), schedule: '', parent_job: 'val-empty-parent' })).status,
    ).toBe(400);
  });

  it.each([
    ['@at badtime', { schedule: '@at badtime' }, 'schedule'],
    ['an unparsable cron', { schedule: 'not a schedule' }, 'schedule'],
    ['concurrency badvalue', { concurrency: 'badvalue' }, 'concurrency'],
    ['timezone notatimezone', { timezone: 'notatimezone' }, 'notatimezone'],
    [
      'shell timeout foreverandever',
      { executor_config: { command: 'true', timeout: 'foreverandever' } },
      'timeout',
    ],
    ['an unknown executor', { executor: 'nosuchexecutor' }, 'executor'],
    ['retries "abc"', { retries: 'abc' }, 'retries'],
    ['negative retries', { retries: -1 }, 'retries'],
  ])('%s → 400 naming the problem', async (_what, patch, mention) => {
    const name = `val-bad-${Math.random().toString(36).slice(2, 8)}`;
    const res = await client.jobs.save({ ...shellJob(name), ...patch } as Parameters<Api['jobs']['save']>[0]);
    expect(res.status, res.text).toBe(400);
    expect(res.text).toContain(mention);
    expect((await client.jobs.get(name)).status).toBe(404);
  });

  it('malformed JSON → 400', async () => {
    const res = await client.post('/v1/jobs', '{"name": "val-broken",');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Unable to parse payload');
    expect((await client.jobs.get('val-broken')).status).toBe(404);
  });
});
