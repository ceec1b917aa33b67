/**
 * Drill: the embedded rqlited frozen with SIGSTOP for 20 s, then SIGCONT, while jobs run every second
 * with `catchup_window` `0`, `5s` and `60s`, and `forbid` jobs (issue 9, item 1).
 *
 * The first test asserts that the agent survives, nothing runs twice and the jobs run again. The second
 * asserts item 1: an intent older than the job's window when it becomes durable does not run and counts
 * as missed, at most the latest missed slot of each job runs, and `forbid` holds when the run starts
 * (before the fix, the intents queued during the stall all ran at once when rqlited resumed).
 */

import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import {
  counts,
  createLedgers,
  type DrillCounts,
  gatherTruth,
  type JobTruth,
  type Ledgers,
  matchRuns,
  printCounts,
  rqlitedOf,
  saveJob,
  signal,
  startDrillAgent,
  stopped,
} from './harness/index.js';

const STALL_MS = 20_000;

let ledgers: Ledgers;
let agent: AgentHandle;
let client: Api;
let frozen: number | undefined;

/** Per-job figures of the stall, for the phase-2 test. */
interface StallJob {
  readonly name: string;
  readonly windowMs: number;
  readonly forbid: boolean;
  /** Runs that started more than 1 s after their slot. */
  readonly lateRuns: number;
  /** The lateness of the latest-starting late run, ms. */
  readonly maxLateMs: number;
  /** Slots in the window that neither ran nor count as missed. */
  readonly unaccounted: number;
}
let result: { counts: DrillCounts; jobs: StallJob[] } | undefined;

beforeAll(async () => {
  ledgers = await createLedgers();
  agent = await startDrillAgent();
  client = api(agent.baseUrl);
});

afterAll(async () => {
  if (frozen !== undefined) {
    try {
      signal(frozen, 'SIGCONT');
    } catch {
      // gone
    }
  }
  await stopAllAgents();
  await ledgers?.remove();
});

function stallJob(truth: JobTruth, windowMs: number, until: number): StallJob {
  const byPid = matchRuns(truth.runs, truth.executions);
  let lateRuns = 0;
  let maxLateMs = 0;
  for (const run of truth.runs) {
    const e: Execution | undefined = byPid.get(run.pid);
    if (e?.scheduled_at == null || Date.parse(e.scheduled_at) > until) continue;
    const late = run.startedAt - Date.parse(e.scheduled_at);
    if (late > 1_000) {
      lateRuns++;
      maxLateMs = Math.max(maxLateMs, late);
    }
  }
  const ran = new Set(
    truth.executions
      .filter((e) => e.scheduled_at !== null && Date.parse(e.scheduled_at) <= until)
      .map((e) => e.scheduled_at),
  ).size;
  return {
    name: truth.job.name,
    windowMs,
    forbid: truth.job.concurrency === 'forbid',
    lateRuns,
    maxLateMs,
    unaccounted: truth.slotsExpected - ran - truth.job.missed_count,
  };
}

describe('drill: rqlited frozen (SIGSTOP) for 20 s', () => {
  it('survives the stall without running a slot twice, and runs the jobs again after it', async () => {
    const specs: { name: string; windowMs: number; fields: Record<string, unknown>; sleep?: number }[] = [
      ...[1, 2, 3].map((i) => ({ name: `stall-c0-${i}`, windowMs: 0, fields: { catchup_window: '0' } })),
      ...[1, 2, 3].map((i) => ({ name: `stall-c5-${i}`, windowMs: 5_000, fields: { catchup_window: '5s' } })),
      ...[1, 2, 3].map((i) => ({
        name: `stall-c60-${i}`,
        windowMs: 60_000,
        fields: { catchup_window: '60s' },
      })),
      ...[1, 2].map((i) => ({
        name: `stall-forbid-${i}`,
        windowMs: 60_000,
        fields: { concurrency: 'forbid' },
        sleep: 2,
      })),
    ];
    const jobs: { name: string; intervalMs: number; createdAt: number }[] = [];
    for (const spec of specs) {
      jobs.push({ name: spec.name, intervalMs: 1_000, createdAt: Date.now() });
      await saveJob(
        client,
        ledgers.job(spec.name, '@every 1s', { fields: spec.fields, sleepSeconds: spec.sleep ?? 0 }),
      );
    }
    await waitFor(async () => (await ledgers.runs('stall-c60-3')).length >= 3, {
      timeoutMs: 15_000,
      message: 'three runs before the stall',
    });

    frozen = rqlitedOf(agent);
    expect(frozen, 'the agent runs an embedded rqlited').toBeDefined();
    signal(frozen as number, 'SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor(() => stopped(frozen as number), { timeoutMs: 2_000, intervalMs: 10 });
    await new Promise((r) => setTimeout(r, STALL_MS));
    signal(frozen as number, 'SIGCONT');
    const resumedAt = Date.now();
    frozen = undefined;
    // After the stall, the jobs run again on time.
    await waitFor(
      async () => (await ledgers.runs('stall-c0-1')).some((r) => r.startedAt > resumedAt + 3_000),
      { timeoutMs: 20_000, message: 'a run after the stall' },
    );
    await new Promise((r) => setTimeout(r, 4_000));
    const until = Date.now() - 2_500;
    // Forbid runs (2 s) and the completions of the last slots land.
    await new Promise((r) => setTimeout(r, 3_500));

    const truths = await gatherTruth(client, ledgers, jobs, until);
    const c = counts(truths, until);
    const perJob = truths.map((t, i) => stallJob(t, specs[i]!.windowMs, until));
    result = { counts: c, jobs: perJob };
    const group = (prefix: string) => perJob.filter((j) => j.name.startsWith(prefix));
    const sum = (list: StallJob[], key: 'lateRuns' | 'unaccounted') => list.reduce((a, j) => a + j[key], 0);
    printCounts('rqlited-sigstop-20s', {
      ...c,
      stallMs: resumedAt - stoppedAt,
      lateRunsCatchup0: sum(group('stall-c0-'), 'lateRuns'),
      lateRunsCatchup5s: sum(group('stall-c5-'), 'lateRuns'),
      maxLateMsCatchup5s: Math.max(...group('stall-c5-').map((j) => j.maxLateMs)),
      lateRunsCatchup60s: sum(group('stall-c60-'), 'lateRuns'),
      lateRunsForbid: sum(group('stall-forbid-'), 'lateRuns'),
      unaccountedSlots: sum(perJob, 'unaccounted'),
    });

    expect(agent.proc.exitCode, 'the agent is alive').toBeNull();
    expect(c.duplicates).toBe(0);
    expect(c.runsInLedger).toBeGreaterThan(0);
  });

  // Issue 9 item 1: a launch recorded too late (superseded by a newer slot, or beyond its window) does not run.
  it('phase 2 (item 1): no storm after the stall: windows honoured, missed slots counted, forbid holds', () => {
    expect(result, 'the drill above ran').toBeDefined();
    const { counts: c, jobs } = result as NonNullable<typeof result>;
    expect(c.maxConcurrentForbid).toBe(1);
    for (const job of jobs) {
      // At most the latest missed slot of each job runs late; none when the window is 0; within it else.
      expect(job.lateRuns, job.name).toBeLessThanOrEqual(job.windowMs === 0 ? 0 : 1);
      if (job.windowMs > 0) expect(job.maxLateMs, job.name).toBeLessThanOrEqual(job.windowMs + 1_000);
      // Every slot ran or counts as missed (one of slack at each edge of the window).
      if (!job.forbid) expect(Math.abs(job.unaccounted), job.name).toBeLessThanOrEqual(2);
    }
    expect(c.longestLateBurst).toBeLessThanOrEqual(jobs.length);
  });
});
