/**
 * The shell executor through the API of a real agent, mirroring Dkron's `plugin/shell/shell_test.go`
 * (reference §6.1, §12) plus retries (§5.5) and `concurrency: forbid` (§5.4).
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

let agent: AgentHandle;
let client: Api;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-shell-cwd-'));
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function finished(e: Execution): boolean {
  return e.finished_at !== ZERO_TIME && e.status !== 'running';
}

async function executions(job: string): Promise<Execution[]> {
  const res = await client.jobs.executions(job);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Saves a manual shell job, runs it once and returns its finished execution. */
async function runOnce(
  name: string,
  config: Record<string, string>,
  extra: Record<string, unknown> = {},
  timeoutMs = 15_000,
): Promise<Execution> {
  const saved = await client.jobs.save({
    name,
    schedule: '@manually',
    executor: 'shell',
    executor_config: config,
    ...extra,
  });
  expect(saved.status, saved.text).toBe(201);
  const run = await client.jobs.run(name);
  expect(run.status, run.text).toBe(200);
  return waitFor(async () => (await executions(name)).find(finished), {
    timeoutMs,
    message: `a finished execution of ${name}`,
  });
}

/** Command lines of the agent's direct children (the shell executor spawns jobs there). */
function agentChildren(): string[] {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-P', String(agent.proc.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  return pids.flatMap((pid) => {
    try {
      return [
        execFileSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' })
          .replaceAll('\0', ' ')
          .trim(),
      ];
    } catch {
      return [];
    }
  });
}

describe('shell executor', () => {
  it('captures the output of a successful command', async () => {
    const e = await runOnce('sh-output', { command: 'echo hello-shell' });
    expect(e).toMatchObject({
      success: true,
      status: 'success',
      output: 'hello-shell\n',
      node_name: agent.nodeName,
    });
    expect(Date.parse(e.finished_at)).toBeGreaterThanOrEqual(Date.parse(e.started_at));
    const job = await waitFor(async () => {
      const j = (await client.jobs.get('sh-output')).body;
      return j.success_count === 1 ? j : undefined;
    });
    expect(job).toMatchObject({ status: 'success', error_count: 0 });
    expect(job.last_success).not.toBeNull();
  });

  it('a non-zero exit fails, keeps the output and says exit status', async () => {
    const e = await runOnce('sh-exit', {
      command: 'echo before-fail; echo to-stderr >&2; exit 3',
      shell: 'true',
    });
    expect(e.success).toBe(false);
    expect(e.status).toBe('failed');
    expect(e.output).toContain('before-fail');
    expect(e.output).toContain('to-stderr');
    expect(e.output).toContain('exit status 3');
    const job = await waitFor(async () => {
      const j = (await client.jobs.get('sh-exit')).body;
      return j.error_count === 1 ? j : undefined;
    });
    expect(job).toMatchObject({ status: 'failed', success_count: 0 });
    expect(job.last_error).not.toBeNull();
  });

  it('a command that does not exist fails', async () => {
    const e = await runOnce('sh-missing', { command: '/nonexistent/dkron-e2e-binary' });
    expect(e.success).toBe(false);
    expect(e.output).not.toBe('');
  });

  it('timeout kills the job within a few seconds', async () => {
    const e = await runOnce('sh-timeout', { command: 'sleep 30', timeout: '1s' });
    const took = Date.parse(e.finished_at) - Date.parse(e.started_at);
    // Killed at its 1 s timeout, not at the end of its 30 s.
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(30_000);
    expect(e.success).toBe(false);
    expect(e.output).toContain('execution time exceeding defined timeout');
    expect(e.output).toContain('Job was killed');
    expect(agentChildren().filter((cmd) => cmd === 'sleep 30')).toEqual([]);
  });

  it('passes env (comma-separated) and ENV_JOB_NAME', async () => {
    const e = await runOnce('sh-env', {
      command: 'echo "$FOO:$BAZ:$ENV_JOB_NAME"',
      shell: 'true',
      env: 'FOO=bar,BAZ=qux',
    });
    expect(e).toMatchObject({ success: true, output: 'bar:qux:sh-env\n' });
  });

  it('shell: "true" runs through /bin/sh, so pipes work', async () => {
    const e = await runOnce('sh-pipe', { command: 'echo hello | tr a-z A-Z', shell: 'true' });
    expect(e).toMatchObject({ success: true, output: 'HELLO\n' });
  });

  it('without shell the command is split with quotes honoured and run directly', async () => {
    const quoted = await runOnce('sh-direct', { command: `printf '%s|%s\\n' "a b" 'c d'` });
    expect(quoted).toMatchObject({ success: true, output: 'a b|c d\n' });
    // No shell: no variable expansion; a quoted pipe is a plain argument.
    const literal = await runOnce('sh-literal', { command: `echo '|' $HOME "$FOO"` });
    expect(literal).toMatchObject({ success: true, output: '| $HOME $FOO\n' });
    // An unquoted pipe needs a shell: refused when saved rather than half run (go-shellwords drops the rest).
    const piped = await client.jobs.save({
      name: 'sh-unquoted-pipe',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'echo a | tr a b' },
    });
    expect(piped.status, piped.text).toBe(400);
    expect(piped.body).toMatchObject({ code: 'VALIDATION', field: 'executor_config.command' });
    expect(piped.text).toContain('needs a shell');
  });

  it('cwd sets the working directory', async () => {
    const e = await runOnce('sh-cwd', { command: 'pwd', cwd: workDir });
    expect(e).toMatchObject({ success: true, output: `${await realpath(workDir)}\n` });
  });

  it('payload is base64-decoded to stdin', async () => {
    const payload = Buffer.from('stdin-data\nline two\n').toString('base64');
    const e = await runOnce('sh-payload', { command: 'cat', payload });
    expect(e).toMatchObject({ success: true, output: 'stdin-data\nline two\n' });
  });

  it('retries: 2 gives three failed attempts in one group', async () => {
    const first = await runOnce(
      'sh-retry',
      { command: 'echo attempt; exit 1', shell: 'true' },
      { retries: 2 },
    );
    const attempts = await waitFor(
      async () => {
        const all = (await executions('sh-retry')).filter(finished);
        return all.length >= 3 ? all : undefined;
      },
      { timeoutMs: 20_000, message: 'three attempts of sh-retry' },
    );
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((e) => e.group))).toEqual(new Set([first.group]));
    expect(attempts.map((e) => e.attempt).sort()).toEqual([1, 2, 3]);
    for (const e of attempts) {
      expect(e.success).toBe(false);
      expect(e.output).toContain('attempt');
      expect(e.output).toContain('exit status 1');
    }
    const job = await waitFor(
      async () => {
        const j = (await client.jobs.get('sh-retry')).body;
        return j.error_count === 3 ? j : undefined;
      },
      { message: 'sh-retry error_count 3' },
    );
    expect(job.status).toBe('failed');
  });

  it('concurrency: forbid skips slots while the previous run goes on; allow overlaps', async () => {
    const slow = { schedule: '@every 1s', executor: 'shell', executor_config: { command: 'sleep 1.6' } };
    const since = Date.now();
    for (const [name, concurrency] of [
      ['sh-forbid', 'forbid'],
      ['sh-allow', 'allow'],
    ] as const) {
      const saved = await client.jobs.save({ name, concurrency, ...slow });
      expect(saved.status, saved.text).toBe(201);
    }
    // The control: with `allow` the same schedule overlaps.
    await waitFor(async () => (await executions('sh-allow')).filter((e) => !finished(e)).length >= 2, {
      timeoutMs: 10_000,
      message: 'two overlapping runs of sh-allow',
    });
    expect((await client.jobs.toggle('sh-allow')).body.disabled).toBe(true);
    await waitFor(async () => (await executions('sh-forbid')).filter(finished).length >= 2, {
      timeoutMs: 15_000,
      message: 'two finished runs of sh-forbid',
    });
    const elapsed = Date.now() - since;
    expect((await client.jobs.toggle('sh-forbid')).body.disabled).toBe(true);
    const all = await waitFor(
      async () => {
        const list = await executions('sh-forbid');
        return list.every(finished) ? list : undefined;
      },
      { timeoutMs: 10_000, message: 'sh-forbid runs finished' },
    );
    // Never two at once.
    const spans = all
      .map((e) => [Date.parse(e.started_at), Date.parse(e.finished_at)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      const [prev, cur] = [spans[i - 1], spans[i]] as [readonly [number, number], readonly [number, number]];
      expect(cur[0], `run ${i} started before run ${i - 1} ended`).toBeGreaterThanOrEqual(prev[1]);
    }
    // Slots were skipped: fewer runs than seconds elapsed.
    expect(all.length).toBeLessThan(Math.floor(elapsed / 1000));
    for (const e of all) expect(e.success).toBe(true);
    await waitFor(async () => (await executions('sh-allow')).every(finished), {
      timeoutMs: 10_000,
      message: 'sh-allow runs finished',
    });
  });
});
