/**
 * Drill: the data dir on a 20 MiB tmpfs, filled by a job's output while jobs run every second, then the
 * space returned (issue 9, item 5). The agent must not die; `/health` reports the store unhealthy with
 * the reason; writes answer 503 saying "disk full"; launches fail closed and are counted as missed; and
 * everything recovers by itself once the space is back.
 *
 * Needs root (it mounts the tmpfs); skipped, saying so, otherwise.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import {
  counts,
  createLedgers,
  type DrillCounts,
  gatherTruth,
  type Ledgers,
  printCounts,
  saveJob,
  startDrillAgent,
} from './harness/index.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('[fault] disk-full drill skipped: mounting a tmpfs needs root');

let ledgers: Ledgers;
let mountDir: string | undefined;
let mounted = false;
/** The counts of the drill, for the phase-2 expectations. */
let afterRecovery: DrillCounts | undefined;

beforeAll(async () => {
  ledgers = await createLedgers();
});

afterAll(async () => {
  await stopAllAgents();
  if (mounted && mountDir) execFileSync('umount', ['-l', mountDir]);
  if (mountDir) await rm(mountDir, { recursive: true, force: true });
  await ledgers?.remove();
});

async function health(client: Api): Promise<{ status: number; issues: string[] }> {
  const res = await client.get<{ issues?: string[] }>('/health');
  return { status: res.status, issues: res.body?.issues ?? [] };
}

/** Sum of `dkron_scheduler_missed_slots_total` samples with `reason="store"`. */
async function storeMisses(client: Api): Promise<number> {
  const res = await client.get<string>('/metrics');
  let total = 0;
  for (const line of String(res.body).split('\n')) {
    if (line.startsWith('dkron_scheduler_missed_slots_total{') && line.includes('reason="store"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe.skipIf(!isRoot)('drill: the data dir on a 20 MiB tmpfs fills up, then gets its space back', () => {
  it('keeps the agent alive, reports and refuses with "disk full", fails launches closed and recovers by itself', async () => {
    mountDir = await mkdtemp(join(tmpdir(), 'dkron-fault-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', mountDir]);
    mounted = true;
    const agent: AgentHandle = await startDrillAgent({ dataDir: mountDir, args: ['--enable-prometheus'] });
    const client = api(agent.baseUrl);
    const jobs = [
      { name: 'disk-tick', intervalMs: 1_000, createdAt: Date.now() },
      { name: 'disk-forbid', intervalMs: 1_000, createdAt: 0 },
    ];
    await saveJob(client, ledgers.job('disk-tick', '@every 1s'));
    jobs[1]!.createdAt = Date.now();
    await saveJob(
      client,
      ledgers.job('disk-forbid', '@every 1s', { sleepSeconds: 2, fields: { concurrency: 'forbid' } }),
    );
    await waitFor(async () => (await ledgers.runs('disk-tick')).length >= 3, {
      timeoutMs: 15_000,
      message: 'three runs before the disk fills',
    });
    expect((await health(client)).status).toBe(200);

    // A run in progress while the disk is full: it ends (after 6 s) with the disk still full, so its
    // completion cannot be written (what phase 2 must keep and retry).
    await saveJob(client, ledgers.job('disk-long', '@manually', { sleepSeconds: 6 }));
    expect((await client.jobs.run('disk-long')).status).toBe(200);
    await waitFor(async () => (await ledgers.runs('disk-long')).length === 1, {
      timeoutMs: 10_000,
      message: 'the long run to start',
    });

    // A job fills the disk with its output, up to ENOSPC.
    const filler = join(mountDir, 'job-output.bin');
    await saveJob(client, {
      name: 'disk-filler',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: `head -c 64m /dev/zero > ${filler}`, shell: 'true' },
    });
    expect((await client.jobs.run('disk-filler')).status).toBe(200);
    await waitFor(async () => ((await stat(filler).catch(() => undefined))?.size ?? 0) > 0, {
      timeoutMs: 10_000,
      message: 'the filler to write',
    });
    await waitFor(
      () => {
        const df = execFileSync('df', ['--output=avail', '-B1', mountDir as string], { encoding: 'utf8' });
        return Number(df.trim().split('\n').at(-1)) < 64 * 1024;
      },
      { timeoutMs: 10_000, message: 'the tmpfs to be full' },
    );
    const fullAt = Date.now();

    // Reported unhealthy, with the reason.
    const unhealthy = await waitFor(
      async () => {
        const h = await health(client);
        return h.status === 503 && h.issues.some((i) => /disk full/.test(i)) ? h : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, message: '/health to report the full disk' },
    );
    const reportedMs = Date.now() - fullAt;
    // Writes answer 503 saying so.
    const refused = await client.jobs.save({
      name: 'disk-new',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'true' },
    });
    // Launches fail closed: slots pass on the full disk for 20 s (the long run ends meanwhile, and its
    // completion's retries run out).
    await waitFor(() => Date.now() > fullAt + 20_000, { timeoutMs: 25_000, intervalMs: 200 });
    const missesWhileFull = await storeMisses(client);
    expect(agent.proc.exitCode, 'the agent is alive').toBeNull();

    // Space comes back.
    await rm(filler);
    const freedAt = Date.now();
    await waitFor(async () => (await health(client)).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 250,
      message: '/health to be healthy again',
    });
    const healthyMs = Date.now() - freedAt;
    await waitFor(async () => (await ledgers.runs('disk-tick')).some((r) => r.startedAt > freedAt), {
      timeoutMs: 15_000,
      message: 'a run after the space came back',
    });
    const runningMs = Date.now() - freedAt;
    const saved = await client.jobs.save({
      name: 'disk-new',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'true' },
    });
    await new Promise((r) => setTimeout(r, 4_000));
    const until = Date.now() - 3_000;
    await new Promise((r) => setTimeout(r, 3_000));

    const truth = await gatherTruth(client, ledgers, jobs, until);
    const c = counts(truth, until);
    const long = counts(
      await gatherTruth(client, ledgers, [{ name: 'disk-long', intervalMs: 1_000, createdAt: until }], until),
      Number.POSITIVE_INFINITY,
    );
    afterRecovery = { ...c, stuckRunning: c.stuckRunning + long.stuckRunning };
    const tick = truth[0]!;
    const fullRuns = tick.runs.filter((r) => r.startedAt > fullAt + 2_000 && r.startedAt < freedAt);
    const tickRan = new Set(
      tick.executions
        .filter((e) => e.scheduled_at !== null && Date.parse(e.scheduled_at) <= until)
        .map((e) => e.scheduled_at),
    ).size;
    printCounts('disk-full-tmpfs-20MiB', {
      ...afterRecovery,
      fullForMs: freedAt - fullAt,
      reportedUnhealthyAfterMs: reportedMs,
      writeWhileFullStatus: refused.status,
      tickRunsWhileFull: fullRuns.length,
      storeMissesWhileFull: missesWhileFull,
      healthyAfterFreeMs: healthyMs,
      runningAfterFreeMs: runningMs,
      writeAfterFreeStatus: saved.status,
      tickUnaccountedSlots: tick.slotsExpected - tickRan - tick.job.missed_count,
    });
    console.log(
      `[fault] disk-full: /health said ${JSON.stringify(unhealthy.issues)}; refused write: ${refused.text}`,
    );

    expect(refused.status).toBe(503);
    expect((refused.body as { message?: string }).message).toMatch(/disk full/);
    expect(missesWhileFull).toBeGreaterThan(0);
    expect(saved.status, saved.text).toBe(201);
    expect(c.duplicates).toBe(0);
    // Every slot of the tick job ran or is counted missed (a slot of slack at each edge).
    expect(Math.abs(tick.slotsExpected - tickRan - tick.job.missed_count)).toBeLessThanOrEqual(2);
    expect(agent.proc.exitCode).toBeNull();
  });

  // While rqlite's Raft log cannot grow its leadership flaps, so launch writes wait out the client's
  // deadline: those that land once the space is back must not start late all at once (`forbid` ones
  // together), and a completion that failed must not leave its execution `running` (issue 9 items 1, 2:
  // stale intents count as missed, `forbid` checked at the start, completions kept and retried).
  it('phase 2 (items 1, 2): no storm, no forbid overlap, no run left unrecorded or running', () => {
    expect(afterRecovery, 'the drill above ran').toBeDefined();
    expect(afterRecovery?.stuckRunning).toBe(0);
    expect(afterRecovery?.unrecordedRuns).toBe(0);
    expect(afterRecovery?.maxConcurrentForbid).toBe(1);
    expect(afterRecovery?.longestLateBurst).toBeLessThanOrEqual(2);
  });
});
