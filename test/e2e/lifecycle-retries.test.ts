/**
 * Retries through a real agent (docs/compatibility.md "Retries", DESIGN §5): a trigger that fails and
 * then succeeds on a retry ends as `success` (Dkron: `partially_failed`), `retry_backoff` spaces the
 * attempts with a doubling delay, and a job that keeps failing stops after `retries + 1` attempts.
 * The always-failing case without a backoff is covered by shell.test.ts.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  executions,
  expectNever,
  finished,
  getJob,
  logLines,
  logTime,
  ms,
  save,
  shellJob,
  waitExecutions,
} from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

let agent: AgentHandle;
let client: Api;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-retries-'));
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** A shell command that fails until it has run `succeedAt` times (counted in `file`). */
function failsUntil(file: string, succeedAt: number): string {
  return `n=$(cat '${file}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${file}'; echo attempt $n; [ $n -ge ${succeedAt} ]`;
}

/** Runs `name` now and waits for `count` finished attempts; returns them in attempt order. */
async function runAndWaitAttempts(name: string, count: number, timeoutMs = 20_000): Promise<Execution[]> {
  const run = await client.jobs.run(name);
  expect(run.status, run.text).toBe(200);
  const all = await waitExecutions(client, name, count, finished, timeoutMs);
  return all.filter(finished).sort((a, b) => a.attempt - b.attempt);
}

describe('retries', () => {
  it('fails twice then succeeds: 3 attempts in one group, the job ends as success', async () => {
    const counter = join(workDir, 'twice');
    await save(client, {
      ...shellJob('rt-twice', ''),
      executor_config: { command: failsUntil(counter, 3), shell: 'true' },
      retries: 2,
    });
    const attempts = await runAndWaitAttempts('rt-twice', 3);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((e) => e.group)).size).toBe(1);
    expect(attempts.map((e) => e.status)).toEqual(['failed', 'failed', 'success']);
    expect(attempts.map((e) => e.success)).toEqual([false, false, true]);
    expect(attempts.map((e) => e.scheduled_at)).toEqual([null, null, null]);
    attempts.forEach((e, i) => {
      expect(e.output).toContain(`attempt ${i + 1}`);
    });
    // Attempts follow each other.
    expect(ms(attempts[1]!.started_at)).toBeGreaterThanOrEqual(ms(attempts[0]!.finished_at));
    expect(ms(attempts[2]!.started_at)).toBeGreaterThanOrEqual(ms(attempts[1]!.finished_at));

    const job = await waitFor(
      async () => {
        const j = await getJob(client, 'rt-twice');
        return j.success_count + j.error_count === 3 ? j : undefined;
      },
      { message: 'rt-twice counters settled' },
    );
    // Dkron would say partially_failed; a trigger that succeeds on retry is a success.
    expect(job.status).toBe('success');
    expect(job).toMatchObject({ success_count: 1, error_count: 2 });
    expect(ms(job.last_success ?? '')).toBe(ms(attempts[2]!.finished_at));
    expect((await client.jobs.list('status=success')).body.map((j) => j.name)).toContain('rt-twice');
    expect((await readFile(counter, 'utf8')).trim()).toBe('3');
  });

  it('retry_backoff "1s" spaces the attempts 1 s then 2 s apart', async () => {
    const counter = join(workDir, 'backoff');
    await save(client, {
      ...shellJob('rt-backoff', ''),
      executor_config: { command: failsUntil(counter, 3), shell: 'true' },
      retries: 2,
      retry_backoff: '1s',
    });
    const attempts = await runAndWaitAttempts('rt-backoff', 3);
    expect(attempts.map((e) => [e.attempt, e.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'success'],
    ]);
    const [a1, a2, a3] = attempts as [Execution, Execution, Execution];
    // started_at differences: at least the backoff (plus the run itself).
    expect(ms(a2.started_at) - ms(a1.started_at)).toBeGreaterThanOrEqual(1000);
    expect(ms(a3.started_at) - ms(a2.started_at)).toBeGreaterThanOrEqual(2000);
    // The pause itself, from the end of one attempt to the start of the next (1 ms of rounding).
    const gap1 = ms(a2.started_at) - ms(a1.finished_at);
    const gap2 = ms(a3.started_at) - ms(a2.finished_at);
    expect(gap1).toBeGreaterThanOrEqual(999);
    expect(gap2).toBeGreaterThanOrEqual(1999);
    // And not Dkron's formula or another wait: the delays the agent chose, 1 s doubling.
    const delays = logLines(agent, 'retrying failed execution')
      .filter((l) => l.job === 'rt-backoff')
      .map((l) => [l.attempt, l.delayMs]);
    expect(delays).toEqual([
      [2, 1000],
      [3, 2000],
    ]);
    expect((await getJob(client, 'rt-backoff')).status).toBe('success');
  });

  it('a job that keeps failing stops after retries + 1 attempts (with a backoff)', async () => {
    await save(client, {
      ...shellJob('rt-always', 'false'),
      retries: 2,
      retry_backoff: '200ms',
    });
    const attempts = await runAndWaitAttempts('rt-always', 3);
    expect(attempts.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((e) => e.status === 'failed')).toBe(true);
    expect(new Set(attempts.map((e) => e.group)).size).toBe(1);
    const [a1, a2, a3] = attempts as [Execution, Execution, Execution];
    expect(ms(a2.started_at) - ms(a1.finished_at)).toBeGreaterThanOrEqual(199);
    expect(ms(a3.started_at) - ms(a2.finished_at)).toBeGreaterThanOrEqual(399);
    // A 4th attempt would start 800 ms after the 3rd: watch well past that.
    await expectNever(async () => {
      const all = await executions(client, 'rt-always');
      return all.length > 3
        ? `${all.length} attempts: ${JSON.stringify(all.map((e) => e.attempt))}`
        : undefined;
    }, 2500);
    const job = await getJob(client, 'rt-always');
    expect(job).toMatchObject({ status: 'failed', error_count: 3, success_count: 0 });
  });

  it('a success on retry starts the children once and deletes an ephemeral job (Dkron #583, #285)', async () => {
    const parentCounter = join(workDir, 'parent');
    const marker = join(workDir, 'ephemeral-ran');
    await save(client, {
      ...shellJob('rt-parent', ''),
      executor_config: { command: failsUntil(parentCounter, 2), shell: 'true' },
      retries: 1,
    });
    await save(client, { ...shellJob('rt-child', 'echo child'), schedule: '', parent_job: 'rt-parent' });
    const eCounter = join(workDir, 'ephemeral');
    await save(client, {
      ...shellJob('rt-ephemeral', ''),
      executor_config: { command: `${failsUntil(eCounter, 2)} && touch '${marker}'`, shell: 'true' },
      retries: 1,
      ephemeral: true,
    });

    const parentAttempts = await runAndWaitAttempts('rt-parent', 2);
    expect(parentAttempts.map((e) => e.status)).toEqual(['failed', 'success']);
    const [childRun] = await waitExecutions(client, 'rt-child', 1);
    expect(childRun).toMatchObject({ status: 'success', output: 'child\n' });
    expect(ms(childRun!.started_at)).toBeGreaterThanOrEqual(ms(parentAttempts[1]!.finished_at));

    expect((await client.jobs.run('rt-ephemeral')).status).toBe(200);
    await waitFor(async () => (await client.jobs.get('rt-ephemeral')).status === 404, {
      timeoutMs: 15_000,
      message: 'rt-ephemeral deleted after it succeeded on retry',
    });
    expect((await readFile(marker, 'utf8')).length).toBe(0);
    expect((await readFile(eCounter, 'utf8')).trim()).toBe('2');

    // Only one trigger of the child, not one per attempt.
    await expectNever(async () => {
      const runs = await executions(client, 'rt-child');
      return runs.length > 1 ? `rt-child ran ${runs.length} times` : undefined;
    }, 1000);
  });

  it('a job deleted during its retry backoff does not run again', async () => {
    const counter = join(workDir, 'deleted');
    const BACKOFF = 3000;
    await save(client, {
      ...shellJob('rt-deleted', ''),
      executor_config: { command: failsUntil(counter, 99), shell: 'true' },
      retries: 1,
      retry_backoff: '3s',
    });
    expect((await client.jobs.run('rt-deleted')).status).toBe(200);
    // The agent decides the retry when the 1st attempt has failed: delete the job inside that backoff.
    const retryAt = await waitFor(() => logTime(agent, 'retrying failed execution', { job: 'rt-deleted' }), {
      timeoutMs: 15_000,
      message: 'the retry of rt-deleted scheduled',
    });
    const deleted = await client.jobs.delete('rt-deleted');
    expect(deleted.status, deleted.text).toBe(200);
    expect(Date.now() - retryAt, 'deleted inside the backoff').toBeLessThan(BACKOFF);
    // The 2nd attempt would run BACKOFF after the decision: watch past it.
    await expectNever(
      async () => {
        const runs = (await readFile(counter, 'utf8')).trim();
        return runs === '1' ? undefined : `the deleted job ran again (run count ${runs})`;
      },
      Math.max(0, retryAt + BACKOFF + 2000 - Date.now()),
    );
    expect((await client.jobs.get('rt-deleted')).status).toBe(404);
  });
});
