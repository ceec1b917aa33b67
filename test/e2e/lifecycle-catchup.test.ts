/**
 * Missed slots and one-shot schedules through a real agent and a real downtime (DESIGN §5,
 * docs/compatibility.md "Scheduling"): after a stop of ~7 s, a job with a catch-up window runs the
 * latest missed slot once, counts the older ones in `missed_count`, never runs a slot twice and keeps
 * its `@every` phase; a window of `0` runs nothing late; `@at` fires once across a restart right after
 * it fired. Then, on the restarted agent: `ephemeral`, `starts_at` and `expires_at`.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  duplicates,
  executions,
  expectNever,
  finished,
  getJob,
  logTime,
  ms,
  restartAgent,
  save,
  saveAhead,
  shellJob,
  waitExecutions,
  wholeSecond,
  ZERO_TIME,
} from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

const DOWNTIME_MS = 7_000;
const SLOT_MS = 2_000;

let dataDir: string;
let workDir: string;
let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-catchup-data-'));
  workDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-catchup-'));
  agent = await startAgent({ dataDir, args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

const slot = (e: Execution) => ms(e.scheduled_at ?? '');

describe('catch-up across a real downtime', () => {
  it('runs the latest missed slot once, counts the rest, keeps the phase; window 0 runs nothing late; @at once', async () => {
    await save(client, {
      ...shellJob('cu-window', 'true'),
      schedule: '@every 2s',
      catchup_window: '30s',
    });
    await save(client, { ...shellJob('cu-zero', 'true'), schedule: '@every 2s', catchup_window: '0' });
    const { at } = await saveAhead(client, 3000, (t) => ({
      ...shellJob('cu-at', 'echo at'),
      schedule: `@at ${t.text}`,
    }));

    // Running before the stop: two slots of each @every job, and the @at job has just fired.
    await waitExecutions(client, 'cu-window', 2);
    await waitExecutions(client, 'cu-zero', 2);
    const [fired] = await waitExecutions(client, 'cu-at', 1);
    expect(fired).toMatchObject({ status: 'success', output: 'at\n' });
    expect(slot(fired!)).toBe(at.ms);
    const missedBefore = {
      window: (await getJob(client, 'cu-window')).missed_count,
      zero: (await getJob(client, 'cu-zero')).missed_count,
    };

    expect(await agent.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const stoppedAt = Date.now();
    // The downtime itself: nothing to wait for but the clock.
    await new Promise((r) => setTimeout(r, DOWNTIME_MS));
    const spawnAt = Date.now();
    agent = await restartAgent(agent, ['--shutdown-timeout', '1s']);
    client = api(agent.baseUrl);
    // When the restarted scheduler began: the missed slots are the ones that came due before it.
    const schedulerAt = await waitFor(() => logTime(agent, 'scheduler started'), {
      message: 'scheduler started',
    });

    // Two runs after the restart: the late one and the next on-time slot.
    const ran = (e: Execution) => finished(e) && ms(e.started_at) >= spawnAt;
    const windowAll = await waitExecutions(client, 'cu-window', 2, ran, 20_000);
    const zeroAll = await waitExecutions(client, 'cu-zero', 2, ran, 20_000);

    for (const [name, all] of [
      ['cu-window', windowAll],
      ['cu-zero', zeroAll],
    ] as const) {
      const before = all.filter((e) => ms(e.started_at) < stoppedAt);
      const after = all.filter((e) => ms(e.started_at) >= spawnAt);
      expect(before.length + after.length, `${name}: nothing ran while the node was down`).toBe(all.length);
      expect(duplicates(all.map(slot)), `${name}: a slot ran twice`).toEqual([]);
      // Every slot on the same 2 s grid as before the stop: the @every phase is kept.
      const phase = slot(before[0]!) % SLOT_MS;
      for (const e of all) expect(slot(e) % SLOT_MS, `${name} ${e.scheduled_at}`).toBe(phase);
      // After the first run after the restart, the slots follow each other.
      const afterSlots = after.map(slot);
      afterSlots.forEach((s, i) => {
        expect(s - afterSlots[0]!, `${name}: slot ${i} after the restart`).toBe(i * SLOT_MS);
      });
    }

    // cu-window: exactly one late run, for the latest missed slot; the older ones are counted.
    const wBefore = windowAll.filter((e) => ms(e.started_at) < stoppedAt);
    const wAfter = windowAll.filter((e) => ms(e.started_at) >= spawnAt);
    const lastBefore = Math.max(...wBefore.map(slot));
    const late = wAfter[0]!;
    const lateSlot = slot(late);
    // The latest slot that came due before the scheduler started (its first tick follows the log line
    // at once; 500 ms of slack for a busy event loop), not an older one of the downtime …
    expect(lateSlot).toBeGreaterThan(spawnAt - SLOT_MS);
    expect(lateSlot).toBeLessThan(schedulerAt + 500);
    // … run late, never early, and inside its catch-up window (30 s).
    expect(lateSlot).toBeLessThanOrEqual(ms(late.started_at));
    expect(ms(late.started_at) - lateSlot, 'the late run is inside its catch-up window').toBeLessThan(30_000);
    expect(late.status).toBe('success');
    const skipped = (lateSlot - lastBefore) / SLOT_MS - 1;
    // Every grid slot of the downtime was missed, except the one that may run late. How many slots a
    // 7 s downtime holds depends on where in the 2 s grid the stop fell (3 or 4), so count them.
    let inDowntime = 0;
    for (let t = lastBefore + SLOT_MS; t < spawnAt; t += SLOT_MS) if (t > stoppedAt) inDowntime++;
    expect(inDowntime, 'grid slots inside the downtime').toBeGreaterThanOrEqual(3);
    expect(skipped, 'missed slots of the downtime').toBeGreaterThanOrEqual(inDowntime - 1);
    const window = await waitFor(
      async () => {
        const j = await getJob(client, 'cu-window');
        return j.missed_count !== missedBefore.window ? j : undefined;
      },
      { message: 'cu-window missed_count updated' },
    );
    expect(window.missed_count).toBe(missedBefore.window + skipped);

    // cu-zero: no slot older than the 1 s launch tolerance ran; all of them are counted as missed.
    const zBefore = zeroAll.filter((e) => ms(e.started_at) < stoppedAt);
    const zAfter = zeroAll.filter((e) => ms(e.started_at) >= spawnAt);
    const zLastBefore = Math.max(...zBefore.map(slot));
    const zFirst = slot(zAfter[0]!);
    expect(zFirst, 'catchup_window 0 ran a slot from the downtime').toBeGreaterThanOrEqual(spawnAt - 1000);
    const zSkipped = (zFirst - zLastBefore) / SLOT_MS - 1;
    expect(zSkipped).toBeGreaterThanOrEqual(3);
    const zero = await waitFor(
      async () => {
        const j = await getJob(client, 'cu-zero');
        return j.missed_count !== missedBefore.zero ? j : undefined;
      },
      { message: 'cu-zero missed_count updated' },
    );
    expect(zero.missed_count).toBe(missedBefore.zero + zSkipped);

    // cu-at fired before the stop, inside its (default 60 s) catch-up window: still exactly once.
    const atRuns = await executions(client, 'cu-at');
    expect(atRuns.map((e) => e.id)).toEqual([fired!.id]);
    expect((await getJob(client, 'cu-at')).next).toBe(ZERO_TIME);

    for (const name of ['cu-window', 'cu-zero']) {
      expect((await client.jobs.toggle(name)).body.disabled).toBe(true);
    }
  });
});

describe('@every phase', () => {
  it('is kept across an update of another field and a toggle off and on', async () => {
    const period = 3000;
    const base = { ...shellJob('ph-every', 'true'), schedule: '@every 3s' };
    await save(client, base);
    const first = await waitExecutions(client, 'ph-every', 2);
    const phase = slot(first[0]!) % period;
    for (const e of first) expect(slot(e) % period).toBe(phase);

    // An update of another field (POST is a full replace).
    const updatedAt = Date.now();
    await save(client, { ...base, displayname: 'renamed' });
    const afterUpdate = await waitExecutions(client, 'ph-every', 1, (e) => ms(e.started_at) > updatedAt);
    for (const e of afterUpdate) expect(slot(e) % period, `after the update: ${e.scheduled_at}`).toBe(phase);

    // Disabled, then enabled again at a whole second that is off the grid.
    expect((await client.jobs.toggle('ph-every')).body.disabled).toBe(true);
    await waitFor(
      () => {
        const now = Date.now();
        return (Math.floor(now / 1000) * 1000) % period !== phase && now % 1000 < 500;
      },
      { intervalMs: 20, message: 'a second off the grid' },
    );
    const enabledAt = Date.now();
    const enabled = await client.jobs.toggle('ph-every');
    expect(enabled.body.disabled).toBe(false);
    expect(ms(enabled.body.next) % period, `next after the toggle: ${enabled.body.next}`).toBe(phase);
    const afterToggle = await waitExecutions(client, 'ph-every', 2, (e) => ms(e.started_at) > enabledAt);
    expect((await client.jobs.toggle('ph-every')).body.disabled).toBe(true);
    for (const e of afterToggle.filter((x) => ms(x.started_at) > enabledAt)) {
      expect(slot(e) % period, `after the toggle: ${e.scheduled_at}`).toBe(phase);
    }
    expect(duplicates(afterToggle.map(slot))).toEqual([]);
  });
});

describe('ephemeral, starts_at, expires_at', () => {
  it('an ephemeral job is deleted after its successful run; a failing one is kept', async () => {
    const marker = join(workDir, 'ephemeral-ran');
    await save(client, { ...shellJob('ep-fail', 'false'), ephemeral: true });
    expect((await client.jobs.run('ep-fail')).status).toBe(200);
    const [failed] = await waitExecutions(client, 'ep-fail', 1);
    expect(failed!.status).toBe('failed');

    const at = wholeSecond(Date.now() + 2000);
    await save(client, {
      ...shellJob('ep-ok', `touch ${marker}`),
      schedule: `@at ${at.text}`,
      ephemeral: true,
    });
    await waitFor(async () => (await client.jobs.get('ep-ok')).status === 404, {
      timeoutMs: 15_000,
      message: 'ep-ok deleted after its run',
    });
    expect(existsSync(marker), 'ep-ok ran before it was deleted').toBe(true);
    expect((await client.jobs.executions('ep-ok')).status).toBe(404);

    await expectNever(async () => {
      const res = await client.jobs.get('ep-fail');
      return res.status === 200 ? undefined : `ep-fail answered ${res.status}`;
    }, 1000);
    const kept = await getJob(client, 'ep-fail');
    expect(kept).toMatchObject({ ephemeral: true, status: 'failed', error_count: 1 });
    expect((await executions(client, 'ep-fail')).map((e) => e.id)).toEqual([failed!.id]);
  });

  it('starts_at in the future delays the first run; expires_at in the past never runs', async () => {
    const savedAt = Date.now();
    const { at: startsAt } = await saveAhead(client, 4000, (t) => ({
      ...shellJob('se-starts', 'true'),
      schedule: '@every 1s',
      starts_at: t.text,
    }));
    await save(client, {
      ...shellJob('se-expired', 'true'),
      schedule: '@every 1s',
      expires_at: new Date(savedAt - 60_000).toISOString(),
    });
    const runs = await waitExecutions(client, 'se-starts', 2, finished, 15_000);
    expect((await client.jobs.toggle('se-starts')).body.disabled).toBe(true);
    for (const e of runs) {
      expect(slot(e), e.id).toBeGreaterThanOrEqual(startsAt.ms);
      expect(ms(e.started_at), e.id).toBeGreaterThanOrEqual(startsAt.ms);
    }
    expect(slot(runs[0]!)).toBe(startsAt.ms);
    // Meanwhile (>= 5 s of 1 s slots) the expired job ran nothing.
    expect(await executions(client, 'se-expired')).toEqual([]);
    expect((await client.jobs.toggle('se-expired')).body.disabled).toBe(true);
  });
});
