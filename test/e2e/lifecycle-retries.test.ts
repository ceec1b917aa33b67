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
    // And not Dkron's formula or a much longer wait (generous bounds for a loaded machine).
    expect(gap1).toBeLessThan(3000);
    expect(gap2).toBeLessThan(4500);
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
      return all.length > 3 ? `${all.length} attempts: ${JSON.stringify(all.map((e) => e.attempt))}` : undefined;
    }, 2500);
    const job = await getJob(client, 'rt-always');
    expect(job).toMatchObject({ status: 'failed', error_count: 3, success_count: 0 });
  });
});
