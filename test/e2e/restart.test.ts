/**
 * Durability across agent restarts on the same data directory, node name and store ports: jobs,
 * execution history and counters survive a SIGTERM restart; after a SIGKILL the embedded rqlited
 * dies with the agent, and the restarted agent marks the execution that was running as `lost` and
 * keeps scheduling.
 *
 * The HTTP port changes across a restart (the helper picks a fresh one for /health); the RPC and
 * rqlite ports are passed again, so the store restarts on the same addresses.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { afterAll, describe, expect, it } from 'vitest';
import { alive, childrenOf, cmdline, ZERO_TIME } from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, stopAllAgents, waitFor } from './helpers/index.js';

const dataDirs: string[] = [];
/** Job processes orphaned by a SIGKILLed agent (they live in their own process group). */
const orphans = new Set<number>();

afterAll(async () => {
  await stopAllAgents();
  for (const pid of orphans) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dkron-e2e-restart-'));
  dataDirs.push(dir);
  return dir;
}

/** The embedded rqlited of an agent: the pid it logged, checked against the process table. */
function rqlitedPid(agent: AgentHandle): number {
  const logged = [...agent.logs().matchAll(/"component":"rqlited"[^\n]*"pid":(\d+)/g)].at(-1)?.[1];
  expect(logged, 'the agent logs the pid of its embedded rqlited').toBeDefined();
  const pid = Number(logged);
  const cmd = cmdline(pid);
  expect(cmd).toContain('rqlited');
  expect(cmd).toContain(join(agent.dataDir, 'rqlite'));
  return pid;
}

/** Starts an agent; with `previous`, on its data dir, node name and RPC/rqlite ports. */
function start(dataDir: string, previous?: AgentHandle): Promise<AgentHandle> {
  return startAgent({
    dataDir,
    ...(previous
      ? {
          nodeName: previous.nodeName,
          args: [
            '--shutdown-timeout',
            '2s',
            '--rpc-port',
            String(previous.ports.rpc),
            '--rqlite-http-port',
            String(previous.ports.rqliteHttp),
            '--rqlite-raft-port',
            String(previous.ports.rqliteRaft),
          ],
        }
      : { args: ['--shutdown-timeout', '2s'] }),
  });
}

function finished(e: Execution): boolean {
  return e.finished_at !== ZERO_TIME && e.status !== 'running';
}

async function finishedExecutions(client: Api, job: string, count: number, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const res = await client.jobs.executions(job);
      const done = res.status === 200 ? res.body.filter(finished) : [];
      return done.length >= count ? done : undefined;
    },
    { timeoutMs, message: `${count} finished execution(s) of ${job}` },
  );
}

async function save(client: Api, job: Record<string, unknown> & { name: string }): Promise<void> {
  const res = await client.jobs.save(job);
  expect(res.status, res.text).toBe(201);
}

/** Waits for a scheduled run that started after `since`. */
async function ranAfter(client: Api, job: string, since: number): Promise<Execution> {
  return waitFor(
    async () =>
      (await client.jobs.executions(job)).body.find((e) => finished(e) && Date.parse(e.started_at) > since),
    { timeoutMs: 15_000, message: `a run of ${job} after the restart` },
  );
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

describe('restart on the same data dir', () => {
  it('after SIGTERM: jobs, executions and counters survive; scheduling resumes', async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    const c1 = api(first.baseUrl);
    await save(c1, {
      name: 'rs-every',
      schedule: '@every 1s',
      executor: 'shell',
      executor_config: { command: 'echo tick' },
    });
    await save(c1, {
      name: 'rs-manual',
      schedule: '@manually',
      displayname: 'Manual',
      metadata: { keep: 'me' },
      executor: 'shell',
      executor_config: { command: 'echo manual' },
    });
    await save(c1, {
      name: 'rs-failing',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'false' },
    });
    await save(c1, {
      name: 'rs-child',
      schedule: '',
      parent_job: 'rs-manual',
      executor: 'shell',
      executor_config: { command: 'echo child' },
    });
    expect((await c1.jobs.run('rs-manual')).status).toBe(200);
    expect((await c1.jobs.run('rs-failing')).status).toBe(200);
    await finishedExecutions(c1, 'rs-manual', 1);
    await finishedExecutions(c1, 'rs-child', 1); // the parent's success triggers its child
    await finishedExecutions(c1, 'rs-failing', 1);
    await finishedExecutions(c1, 'rs-every', 2);
    const counted = (j: Job) => j.success_count + j.error_count > 0;
    await waitFor(
      async () =>
        (
          await Promise.all(
            ['rs-manual', 'rs-failing', 'rs-child'].map(async (n) => counted((await c1.jobs.get(n)).body)),
          )
        ).every(Boolean),
      {
        message: 'counters of the manual jobs',
      },
    );
    // Stop scheduling so that the snapshot below is stable.
    expect((await c1.jobs.toggle('rs-every')).body.disabled).toBe(true);
    await waitFor(async () => (await c1.jobs.executions('rs-every')).body.every(finished), {
      message: 'rs-every idle',
    });

    const jobsBefore = (await c1.jobs.list('q=rs-')).body.sort(byId);
    const execsBefore = new Map<string, Execution[]>();
    for (const j of jobsBefore) execsBefore.set(j.name, (await c1.jobs.executions(j.name)).body.sort(byId));
    const rqlited = rqlitedPid(first);

    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(first.logs()).toContain('stopped');
    await waitFor(() => !alive(rqlited), { timeoutMs: 5_000, message: 'rqlited gone after SIGTERM' });

    const second = await start(dataDir, first);
    const c2 = api(second.baseUrl);
    const jobsAfter = (await c2.jobs.list('q=rs-')).body.sort(byId);
    expect(jobsAfter.map((j) => j.name)).toEqual(['rs-child', 'rs-every', 'rs-failing', 'rs-manual']);
    for (const before of jobsBefore) {
      const after = jobsAfter.find((j) => j.name === before.name);
      // Every field is kept; `next` of a scheduled job is recomputed from now.
      expect({ ...after, next: undefined }, before.name).toEqual({ ...before, next: undefined });
      expect((await c2.jobs.executions(before.name)).body.sort(byId), before.name).toEqual(
        execsBefore.get(before.name),
      );
    }
    expect(jobsAfter.find((j) => j.name === 'rs-manual')).toMatchObject({
      success_count: 1,
      status: 'success',
      dependent_jobs: ['rs-child'],
      metadata: { keep: 'me' },
    });
    expect(jobsAfter.find((j) => j.name === 'rs-failing')).toMatchObject({
      error_count: 1,
      status: 'failed',
    });

    // Scheduling resumes: re-enable the @every job and see it run on the restarted agent.
    const restartedAt = Date.now();
    expect((await c2.jobs.toggle('rs-every')).body.disabled).toBe(false);
    const tick = await ranAfter(c2, 'rs-every', restartedAt);
    expect(tick).toMatchObject({ success: true, output: 'tick\n', node_name: first.nodeName });
    // Manual runs add to the surviving history and counters.
    expect((await c2.jobs.run('rs-manual')).status).toBe(200);
    await finishedExecutions(c2, 'rs-manual', 2);
    await waitFor(async () => (await c2.jobs.get('rs-manual')).body.success_count === 2, {
      message: 'rs-manual success_count 2',
    });
    expect((await c2.jobs.toggle('rs-every')).body.disabled).toBe(true);

    // POST /v1/leave stops the agent gracefully, its rqlited with it.
    const store = rqlitedPid(second);
    expect((await c2.post('/v1/leave')).status).toBe(200);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    await waitFor(() => !alive(store), { timeoutMs: 5_000, message: 'rqlited gone after leave' });
  });

  it('after SIGKILL: rqlited dies too; the running execution is marked lost; scheduling goes on', async () => {
    const dataDir = await newDataDir();
    const first = await start(dataDir);
    const c1 = api(first.baseUrl);
    await save(c1, {
      name: 'lost-sleep',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'sleep 30' },
    });
    await save(c1, {
      name: 'kill-every',
      schedule: '@every 1s',
      executor: 'shell',
      executor_config: { command: 'echo alive' },
    });
    await finishedExecutions(c1, 'kill-every', 1);
    expect((await c1.jobs.run('lost-sleep')).status).toBe(200);
    const running = await waitFor(
      async () => (await c1.jobs.executions('lost-sleep')).body.find((e) => e.status === 'running'),
      { message: 'lost-sleep running' },
    );
    expect(running.finished_at).toBe(ZERO_TIME);

    const agentPid = first.proc.pid as number;
    const rqlited = rqlitedPid(first);
    const sleeps = await waitFor(
      () => {
        const found = childrenOf(agentPid).filter((c) => c.cmd === 'sleep 30');
        return found.length > 0 ? found : undefined;
      },
      { message: 'the sleep 30 process' },
    );
    for (const s of sleeps) orphans.add(s.pid);
    // pgrep by data dir agrees: exactly one rqlited serves this data dir.
    const byDataDir = execFileSync('pgrep', ['-f', join(dataDir, 'rqlite')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)
      .filter((pid) => cmdline(pid).includes('rqlited'));
    expect(byDataDir).toEqual([rqlited]);

    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    await waitFor(() => !alive(rqlited), {
      timeoutMs: 5_000,
      message: `rqlited (pid ${rqlited}) gone after the agent's SIGKILL`,
    });
    // The job's own process is out of reach of a dead agent; end it here (by pid).
    for (const s of sleeps) if (alive(s.pid)) process.kill(s.pid, 'SIGKILL');

    const killedAt = Date.now();
    const second = await start(dataDir, first);
    const c2 = api(second.baseUrl);
    const lost = await waitFor(
      async () =>
        (await c2.jobs.executions('lost-sleep')).body.find(
          (e) => e.id === running.id && e.status !== 'running',
        ),
      { message: 'the killed execution settled' },
    );
    expect(lost).toMatchObject({
      id: running.id,
      status: 'lost',
      success: false,
      group: running.group,
      attempt: 1,
    });
    expect(lost.finished_at).not.toBe(ZERO_TIME);
    expect(Date.parse(lost.finished_at)).toBeGreaterThanOrEqual(Date.parse(lost.started_at));
    expect((await c2.get<Execution[]>('/v1/busy')).body.filter((e) => e.job_name === 'lost-sleep')).toEqual(
      [],
    );
    const job = (await c2.jobs.get('lost-sleep')).body;
    expect(job.status).not.toBe('running');
    // Scheduling goes on.
    const tick = await ranAfter(c2, 'kill-every', killedAt);
    expect(tick).toMatchObject({ success: true, output: 'alive\n' });
    expect(Date.parse((await c2.jobs.get('kill-every')).body.next)).toBeGreaterThan(killedAt);
    expect((await c2.jobs.toggle('kill-every')).body.disabled).toBe(true);
  });
});
