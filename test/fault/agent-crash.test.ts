/**
 * Drill: the agent dies while a job runs (issue 9, item 7): `kill -9` during a 10 s `forbid` job, and a
 * second SIGTERM during a 10 s manual run. The job's process group must end with the agent (its ledger
 * never gets the run's end line, its pids are gone), and after the restart the `forbid` job never runs
 * twice at once: each run's own count of the other runs alive at its start stays 0.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { restartAgent } from '../fixtures/lifecycle/helpers.js';
import {
  alive,
  childrenOf,
  counts,
  createLedgers,
  gatherTruth,
  type Ledgers,
  matchRuns,
  printCounts,
  saveJob,
  startDrillAgent,
  waitGone,
} from './harness/index.js';

let ledgers: Ledgers;
const dirs: string[] = [];
const leftovers: number[] = [];

beforeAll(async () => {
  ledgers = await createLedgers();
});

afterAll(async () => {
  await stopAllAgents();
  for (const pid of leftovers) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await ledgers?.remove();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The first run of `name` that started after `since`, once its process has its `sleep` child. */
async function runningRun(name: string, since = 0) {
  return waitFor(
    async () => {
      const run = (await ledgers.runs(name)).find((r) => r.startedAt > since && r.endedAt === undefined);
      if (run === undefined || !alive(run.pid)) return undefined;
      const sleeps = childrenOf(run.pid);
      return sleeps.length > 0 ? { run, group: [run.pid, ...sleeps] } : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50, message: `a running run of ${name}` },
  );
}

describe('drill: the agent dies during a 10 s job', () => {
  it('kill -9: the job ends with the agent, is marked lost, and the forbid job never overlaps after the restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dkron-fault-agent-'));
    dirs.push(dataDir);
    const first = await startDrillAgent({ dataDir });
    const createdAt = Date.now();
    const c1 = api(first.baseUrl);
    // The planner checks `forbid` when it records a slot (800 ms ahead), not when the run starts (issue 9
    // item 1, phase 2): a catch-up run after the restart and the next slot, recorded together, overlap.
    // Without catch-up (`catchup_window: 0`) and with slots 3 s apart, this drill is about item 7 only.
    await saveJob(
      c1,
      ledgers.job('kill-forbid', '@every 3s', {
        sleepSeconds: 10,
        fields: { concurrency: 'forbid', catchup_window: '0' },
      }),
    );
    const { run: killed, group } = await runningRun('kill-forbid');
    leftovers.push(...group);
    // Killed once its running record is stored: a run killed before that has no record at all (issue 9
    // item 2, phase 2).
    await waitFor(
      async () => (await c1.jobs.executions('kill-forbid')).body.some((e) => e.status === 'running'),
      { timeoutMs: 10_000, intervalMs: 20, message: 'the running record of the run' },
    );

    const killedAt = Date.now();
    await first.kill9();
    const goneMs = Math.max(...(await Promise.all(group.map((pid) => waitGone(pid, 5_000)))));
    const goneAt = Date.now();

    const second: AgentHandle = await restartAgent(first);
    const client = api(second.baseUrl);
    const { run: next } = await runningRun('kill-forbid', killed.startedAt);
    // Past the killed run's natural end: it never wrote it (it did not go on in the background).
    await waitFor(() => Date.now() > killed.startedAt + 11_000, { timeoutMs: 15_000 });
    const runs = await ledgers.runs('kill-forbid');
    const until = Date.now() - 1_000;
    const executions = (await client.jobs.executions('kill-forbid')).body;
    const lost = executions.filter((e) => e.status === 'lost');
    const killedExecution = matchRuns(runs, executions).get(killed.pid);
    const c = counts(
      await gatherTruth(client, ledgers, [{ name: 'kill-forbid', intervalMs: 3_000, createdAt }], until),
      until,
    );
    printCounts('agent-kill9-during-10s-job', {
      ...c,
      jobGroupGoneMs: goneMs,
      killedRunEnded: runs.find((r) => r.pid === killed.pid)?.endedAt === undefined ? 0 : 1,
      lostExecutions: lost.length,
      restartToNextRunMs: next.startedAt - killedAt,
    });

    expect(goneMs, 'the job group ends within 2 s of the agent').toBeLessThan(2_000);
    expect(runs.find((r) => r.pid === killed.pid)?.endedAt).toBeUndefined();
    // The first run after the restart starts after the killed one is gone, and sees no other run.
    expect(next.startedAt).toBeGreaterThanOrEqual(goneAt - 50);
    expect(next.othersAtStart).toBe(0);
    expect(c.maxConcurrentForbid).toBe(1);
    expect(c.duplicates).toBe(0);
    expect(lost).toHaveLength(1);
    expect(killedExecution?.id).toBe(lost[0]?.id);
    expect(c.unrecordedRuns).toBe(0);
  });

  it('a second SIGTERM: the agent exits at once and the job ends with it', async () => {
    const agent = await startDrillAgent();
    const client = api(agent.baseUrl);
    await saveJob(client, ledgers.job('term-long', '@manually', { sleepSeconds: 10 }));
    const ran = await client.jobs.run('term-long');
    expect(ran.status, ran.text).toBe(200);
    const { run, group } = await runningRun('term-long');
    leftovers.push(...group);

    agent.proc.kill('SIGTERM');
    await waitFor(() => agent.logs().includes('shutting down'), { timeoutMs: 5_000 });
    const exit = await agent.stop('SIGTERM', 10_000);
    const goneMs = Math.max(...(await Promise.all(group.map((pid) => waitGone(pid, 5_000)))));
    printCounts('agent-second-sigterm-during-10s-job', {
      exitCode: exit.code ?? -1,
      jobGroupGoneMs: goneMs,
      runEnded: (await ledgers.runs('term-long')).find((r) => r.pid === run.pid)?.endedAt ? 1 : 0,
    });
    expect(exit.code).toBe(1);
    expect(goneMs).toBeLessThan(2_000);
  });
});
