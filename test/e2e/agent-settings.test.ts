/**
 * Settings that used to do nothing silently: a reserved tag, a mistyped `DKRON_*` variable, cluster
 * flags on this single-server build, and `max-executions-per-job` while the store's trim lags.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Execution } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { getJob, save, shellJob } from '../fixtures/lifecycle/helpers.js';
import { api, DKRON_CORE_BIN, startAgent, waitFor } from './helpers/index.js';

const run = promisify(execFile);

describe('agent settings', () => {
  it('refuses a reserved tag at start, naming it and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dkron-e2e-tags-'));
    await writeFile(join(dir, 'dkron.json'), '{}');
    const argv = [
      DKRON_CORE_BIN,
      'agent',
      '--server',
      '--config',
      join(dir, 'dkron.json'),
      '--tag',
      'role=web',
    ];
    const failed = await run(process.execPath, argv, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    })
      .finally(() => rm(dir, { recursive: true, force: true }))
      .then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toBe(
      '--tag: tag "role" is reserved (every node has role=dkron, as in Dkron); use another name\n',
    );
  });

  it('warns about a mistyped DKRON_* variable and each cluster flag at start', async () => {
    const agent = await startAgent({
      // --join on a server joins the other servers (test/e2e/server-join.test.ts); --retry-max is the plain agents'.
      args: ['--retry-max', '3', '--encrypt', 'kPpdjphiipNSsjd4QHWbkA=='],
      env: { DKRON_MAX_EXECUTION_PER_JOB: '5' },
    });
    const warnings = agent
      .logs()
      .split('\n')
      .filter((l) => l.includes('"level":"warn"'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    const why =
      'has no effect on a server: a joining server asks its --join servers every second until enough answer (plain agents only)';
    expect(warnings).toEqual(
      expect.arrayContaining([
        'environment: unknown variable DKRON_MAX_EXECUTION_PER_JOB ignored (did you mean DKRON_MAX_EXECUTIONS_PER_JOB?)',
        `--retry-max: ${why}`,
      ]),
    );
    // --encrypt authenticates the agents: no warning.
    expect(warnings.some((w) => w.startsWith('--encrypt'))).toBe(false);
    await agent.stop();
  });

  it('never lists more executions than max-executions-per-job, though the trim lags on the scheduled path', async () => {
    const agent = await startAgent({ args: ['--max-executions-per-job', '2'] });
    const client = api(agent.baseUrl);
    await save(client, { ...shellJob('capped', 'true'), schedule: '@every 1s' });
    let largest = 0;
    let newest: Execution[] = [];
    // The store trims a job's history every 10 scheduled inserts: past the third run it holds more than 2.
    await waitFor(
      async () => {
        const res = await client.jobs.executions('capped');
        expect(res.status).toBe(200);
        largest = Math.max(largest, res.body.length, Number(res.headers.get('X-Total-Count')));
        newest = res.body;
        const job = await getJob(client, 'capped');
        return job.success_count + job.error_count >= 6;
      },
      { timeoutMs: 30_000, intervalMs: 50, message: '6 runs of capped' },
    );
    expect(largest).toBe(2);
    const starts = newest.map((e) => Date.parse(e.started_at));
    expect(starts[0]).toBeGreaterThan(starts[1]!);
    await agent.stop();
  });
});
