/**
 * A crash in the middle of running executions (DESIGN §5 "Executions always end",
 * docs/compatibility.md): the agent is SIGKILLed while a manual `sleep 20` and a scheduled
 * `concurrency: forbid` job run; restarted on the same data dir, it has marked both executions `lost`
 * before it answers /health, the `forbid` job is not blocked by its lost run and runs again, and
 * `/v1/stats` counts every execution exactly once.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  childrenOf,
  executions,
  finished,
  getJob,
  ms,
  restartAgent,
  save,
  shellJob,
  waitExecutions,
  ZERO_TIME,
} from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

let dataDir: string;
let agent: AgentHandle;
let client: Api;
/** Job processes a killed agent leaves behind (own process groups): ended by pid. */
const orphans = new Set<number>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-lifecycle-restart-'));
  agent = await startAgent({ dataDir, args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  // Graceful: the running `sleep 20` of the restarted agent is cancelled within the shutdown timeout.
  await agent?.stop();
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

type Stats = { stats: { date: string; success_count: number; failed_count: number }[] };

const JOBS = ['lr-ok', 'lr-ko', 'lr-sleep', 'lr-every'];

describe('a restart in the middle of running executions', () => {
  it('marks them lost at start, runs the forbid job again, and counts every execution once', async () => {
    await save(client, shellJob('lr-ok', 'true'));
    await save(client, shellJob('lr-ko', 'false'));
    await save(client, shellJob('lr-sleep', 'sleep 20'));
    await save(client, {
      ...shellJob('lr-every', 'sleep 20'),
      schedule: '@every 2s',
      concurrency: 'forbid',
    });
    for (const name of ['lr-ok', 'lr-ok', 'lr-ko']) expect((await client.jobs.run(name)).status).toBe(200);
    await waitExecutions(client, 'lr-ok', 2);
    await waitExecutions(client, 'lr-ko', 1);
    expect((await client.jobs.run('lr-sleep')).status).toBe(200);
    const isRunning = (e: Execution) => e.status === 'running';
    const [sleeping] = await waitExecutions(client, 'lr-sleep', 1, isRunning);
    const everyBefore = await waitExecutions(client, 'lr-every', 1, isRunning);
    expect(everyBefore).toHaveLength(1);
    const everyRunning = everyBefore[0]!;

    const pid = agent.proc.pid as number;
    const children = await waitFor(
      () => {
        const c = childrenOf(pid);
        return c.filter((x) => x.cmd === 'sleep 20').length === 2 ? c : undefined;
      },
      { message: 'both sleep 20 processes under the agent' },
    );
    for (const c of children) if (c.cmd === 'sleep 20') orphans.add(c.pid);
    const rqlited = children.filter((c) => c.cmd.includes('rqlited')).map((c) => c.pid);
    expect(rqlited).toHaveLength(1);

    expect(await agent.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    // The embedded store goes with its agent; the restart reuses its ports.
    await waitFor(() => !alive(rqlited[0]!), { timeoutMs: 5_000, message: 'rqlited gone' });
    for (const orphan of orphans) if (alive(orphan)) process.kill(orphan, 'SIGKILL');

    const spawnAt = Date.now();
    agent = await restartAgent(agent, ['--shutdown-timeout', '1s']);
    const healthyAt = Date.now();
    client = api(agent.baseUrl);

    // Already settled when the node answers /health: no waiting for a heartbeat timeout.
    for (const [name, before] of [
      ['lr-sleep', sleeping!],
      ['lr-every', everyRunning],
    ] as const) {
      const lost = (await executions(client, name)).find((e) => e.id === before.id);
      expect(lost, name).toMatchObject({
        id: before.id,
        status: 'lost',
        success: false,
        group: before.group,
        attempt: 1,
        started_at: before.started_at,
        scheduled_at: before.scheduled_at,
      });
      expect(lost!.finished_at).not.toBe(ZERO_TIME);
      expect(ms(lost!.finished_at)).toBeGreaterThanOrEqual(spawnAt - 1);
      expect(ms(lost!.finished_at)).toBeLessThanOrEqual(healthyAt + 1);
    }
    expect((await getJob(client, 'lr-sleep')).status).toBe('failed');

    // The forbid job is not blocked by its lost run: it runs again (catching up its latest slot).
    const everyAfter = await waitExecutions(
      client,
      'lr-every',
      1,
      (e) => e.status === 'running' && ms(e.started_at) >= spawnAt,
      15_000,
    );
    expect((await client.jobs.toggle('lr-every')).body.disabled).toBe(true);
    const again = everyAfter.find((e) => ms(e.started_at) >= spawnAt)!;
    expect(ms(again.scheduled_at ?? '')).toBeGreaterThan(ms(everyRunning.scheduled_at ?? ''));
    expect((ms(again.scheduled_at ?? '') - ms(everyRunning.scheduled_at ?? '')) % 2000).toBe(0);
    const everyNow = await executions(client, 'lr-every');
    expect(everyNow.filter((e) => e.status === 'running').map((e) => e.id)).toEqual([again.id]);
    const busy = (await client.get<Execution[]>('/v1/busy')).body;
    expect(busy.map((e) => e.id)).toEqual([again.id]);

    // Counters and daily stats: each finished execution counted exactly once, the lost ones as failures.
    expect(await getJob(client, 'lr-sleep')).toMatchObject({ success_count: 0, error_count: 1 });
    expect(await getJob(client, 'lr-ok')).toMatchObject({ success_count: 2, error_count: 0 });
    expect(await getJob(client, 'lr-ko')).toMatchObject({ success_count: 0, error_count: 1 });
    expect((await getJob(client, 'lr-every')).error_count).toBe(1);
    // A stable snapshot: the same stats before and after reading the executions.
    const { today, all } = await waitFor(
      async () => {
        const s1 = await client.get<Stats>('/v1/stats?days=1');
        const list = (await Promise.all(JOBS.map((n) => executions(client, n)))).flat();
        const s2 = await client.get<Stats>('/v1/stats?days=1');
        return JSON.stringify(s1.body) === JSON.stringify(s2.body)
          ? { today: s2.body.stats[0]!, all: list }
          : undefined;
      },
      { message: 'a stable stats snapshot' },
    );
    const day = today.date.slice(0, 10);
    const done = all.filter((e) => finished(e) && e.finished_at.slice(0, 10) === day);
    const ok = done.filter((e) => e.status === 'success').length;
    expect({ success_count: today.success_count, failed_count: today.failed_count }).toEqual({
      success_count: ok,
      failed_count: done.length - ok,
    });
    expect(done.map((e) => e.status).sort()).toEqual(['failed', 'lost', 'lost', 'success', 'success']);
  });
});
