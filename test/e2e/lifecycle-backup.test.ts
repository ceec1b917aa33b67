/**
 * `dkron-core backup` and `dkron-core restore` (the built CLI) against a real server: the backup file
 * is exactly `GET /v1/jobs`'s array; after every job is deleted, restoring it creates parents before
 * children (the file lists children first) and gives back the same jobs, field for field.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, save, shellJob, waitExecutions } from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, DKRON_CORE_BIN, startAgent, waitFor } from './helpers/index.js';

let agent: AgentHandle;
let client: Api;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-backup-'));
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`node apps/dkron-core/bin/dkron-core.js …`) without the parent's DKRON_* variables. */
function cli(args: readonly string[]): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('DKRON_')) env[key] = value;
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [DKRON_CORE_BIN, ...args],
      { env: { ...env, NO_COLOR: '1' }, cwd: workDir, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('dkron-core backup / restore', () => {
  it('backs up GET /v1/jobs to a file and restores it, parents first, with the same fields', async () => {
    // Names chosen so that the file (sorted by name) lists children before their parents.
    await save(client, {
      ...shellJob('bk-z-root', ''),
      displayname: 'Root job',
      schedule: '0 0 3 * * *',
      timezone: 'Europe/Paris',
      owner: 'ops',
      owner_email: 'ops@example.com',
      metadata: { team: 'core', tier: '1' },
      tags: { dkron_server: 'true:1' },
      retries: 1,
      retry_backoff: '5s',
      retry_backoff_max: '1m',
      catchup_window: '10s',
      concurrency: 'forbid',
      processors: { log: { forward: 'true' } },
      notify: { on: 'failure', webhook: 'http://127.0.0.1:9/hook' },
      executor_config: { command: 'echo root', timeout: '30s', env: 'A=1,B=2' },
    });
    await save(client, { ...shellJob('bk-m-child', 'echo child'), schedule: '', parent_job: 'bk-z-root' });
    await save(client, { ...shellJob('bk-a-grand', 'echo grand'), schedule: '', parent_job: 'bk-m-child' });
    await save(client, {
      ...shellJob('bk-b-solo', 'echo solo'),
      disabled: true,
      ephemeral: true,
      starts_at: '2099-01-01T00:00:00Z',
      expires_at: '2099-12-31T00:00:00Z',
      schedule: '@every 1h',
    });
    await save(client, shellJob('bk-c-ran', 'echo ran'));
    // A job that ran: counters, last_success and status are part of the backup.
    expect((await client.jobs.run('bk-c-ran')).status).toBe(200);
    await waitExecutions(client, 'bk-c-ran', 1);
    await waitFor(async () => (await getJob(client, 'bk-c-ran')).success_count === 1, {
      message: 'bk-c-ran counted',
    });

    const file = join(workDir, 'jobs.json');
    const backup = await cli(['backup', '--file', file, '--http-addr', agent.baseUrl]);
    expect(backup, backup.stderr).toMatchObject({ code: 0 });
    expect(backup.stderr).toContain(`saved 5 job(s) to ${file}`);
    const listed = await client.jobs.list();
    expect(listed.status).toBe(200);
    const saved = JSON.parse(await readFile(file, 'utf8')) as Job[];
    // Exactly the API's array.
    expect(saved).toEqual(listed.body);
    expect(saved.map((j) => j.name)).toEqual([
      'bk-a-grand',
      'bk-b-solo',
      'bk-c-ran',
      'bk-m-child',
      'bk-z-root',
    ]);

    for (const name of ['bk-a-grand', 'bk-m-child', 'bk-z-root', 'bk-b-solo', 'bk-c-ran']) {
      const res = await client.jobs.delete(name);
      expect(res.status, `delete ${name}: ${res.text}`).toBe(200);
    }
    expect((await client.jobs.list()).body).toEqual([]);

    const restore = await cli(['restore', '--file', file, '--http-addr', agent.baseUrl]);
    expect(restore, restore.stderr).toMatchObject({ code: 0 });
    const lines = restore.stdout.trim().split('\n');
    expect([...lines].sort()).toEqual(
      ['bk-a-grand', 'bk-b-solo', 'bk-c-ran', 'bk-m-child', 'bk-z-root'].map((n) => `success create ${n}`),
    );
    const order = (name: string) => lines.indexOf(`success create ${name}`);
    expect(order('bk-z-root')).toBeLessThan(order('bk-m-child'));
    expect(order('bk-m-child')).toBeLessThan(order('bk-a-grand'));

    // The same jobs, field for field (`next` included: the cron job's next slot is fixed).
    const restored = (await client.jobs.list()).body;
    expect(restored.map((j) => j.name)).toEqual(saved.map((j) => j.name));
    for (const before of saved) {
      const after = restored.find((j) => j.name === before.name);
      expect(after, before.name).toEqual(before);
    }
  });

  it('restore of a missing file fails with a usage error and touches nothing', async () => {
    const before = (await client.jobs.list()).body.length;
    const res = await cli(['restore', '--file', join(workDir, 'nope.json'), '--http-addr', agent.baseUrl]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('nope.json');
    expect((await client.jobs.list()).body.length).toBe(before);
  });
});
