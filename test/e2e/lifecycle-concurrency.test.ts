/**
 * `concurrency` through a real agent (docs/compatibility.md "Concurrency", DESIGN §5): `forbid` never
 * lets two runs of a job overlap and skips the slots that come while one runs; it also guards manual
 * runs (409; `?force=true` runs anyway); `replace` cancels the running execution for the new slot; a
 * job that runs shows `status: running` in the job list.
 *
 * The slow `forbid` job is saved first and keeps running while the other tests go on; its check comes
 * last.
 */

import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childrenOf,
  executions,
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
let forbidSavedAt = 0;

beforeAll(async () => {
  // A short shutdown timeout: the graceful stop below cancels the sleeps still running.
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
  forbidSavedAt = Date.now();
  await save(client, {
    ...shellJob('cc-forbid', 'sleep 3'),
    schedule: '@every 1s',
    concurrency: 'forbid',
  });
});

afterAll(async () => {
  await agent?.stop();
});

type Span = { id: string; start: number; end: number; execution: Execution };

/** Execution intervals (a running one ends at +∞), by start. */
function spans(list: readonly Execution[]): Span[] {
  return list
    .map((e) => ({
      id: e.id,
      start: ms(e.started_at),
      end: finished(e) ? ms(e.finished_at) : Number.POSITIVE_INFINITY,
      execution: e,
    }))
    .sort((a, b) => a.start - b.start);
}

const describeRun = (e: Execution) =>
  `${e.id} (group ${e.group}, attempt ${e.attempt}, slot ${e.scheduled_at}, ${e.started_at} → ${e.finished_at})`;

/** The pairs of executions whose intervals overlap. */
function overlaps(list: readonly Execution[]): string[] {
  const s = spans(list);
  const found: string[] = [];
  for (let i = 1; i < s.length; i++) {
    const prev = s[i - 1]!;
    const cur = s[i]!;
    if (cur.start < prev.end)
      found.push(`${describeRun(cur.execution)} started before ${describeRun(prev.execution)} ended`);
  }
  return found;
}

describe('concurrency: forbid on manual runs', () => {
  it('a manual run of a running forbid job is a 409; ?force=true runs it anyway', async () => {
    await save(client, { ...shellJob('cc-manual', 'sleep 4'), concurrency: 'forbid' });
    expect((await client.jobs.run('cc-manual')).status).toBe(200);
    const [first] = await waitExecutions(client, 'cc-manual', 1, (e) => e.status === 'running');
    // The job list shows it running (#2001).
    const runningList = await client.jobs.list('status=running');
    expect(runningList.status, runningList.text).toBe(200);
    expect(runningList.body.map((j) => j.name)).toContain('cc-manual');
    for (const j of runningList.body) expect(j.status, j.name).toBe('running');
    expect((await getJob(client, 'cc-manual')).status).toBe('running');

    const refused = await client.post<{ message: string }>('/v1/jobs/cc-manual');
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.message).toContain('forbid');
    expect((await executions(client, 'cc-manual')).map((e) => e.id)).toEqual([first!.id]);

    const forced = await client.post('/v1/jobs/cc-manual?force=true');
    expect(forced.status, forced.text).toBe(200);
    const both = await waitExecutions(client, 'cc-manual', 2, (e) => e.status === 'running', 5_000);
    expect(both).toHaveLength(2);
    expect(both.every((e) => e.status === 'running')).toBe(true);
    expect(new Set(both.map((e) => e.group)).size).toBe(2);

    // Once both ended the job leaves the running list.
    const done = await waitExecutions(client, 'cc-manual', 2, finished, 15_000);
    expect(done.map((e) => e.status)).toEqual(['success', 'success']);
    await waitFor(
      async () => !(await client.jobs.list('status=running')).body.some((j) => j.name === 'cc-manual'),
      { message: 'cc-manual out of ?status=running' },
    );
    expect((await getJob(client, 'cc-manual')).status).toBe('success');
    // Not running any more: a plain manual run is accepted again.
    expect((await client.jobs.run('cc-manual')).status).toBe(200);
    await waitExecutions(client, 'cc-manual', 3, () => true);
  });
});

describe('concurrency: replace', () => {
  it('a new slot cancels the running execution, then runs', async () => {
    await save(client, {
      ...shellJob('cc-replace', 'sleep 10'),
      schedule: '@every 2s',
      concurrency: 'replace',
    });
    const list = await waitExecutions(
      client,
      'cc-replace',
      2,
      (e) => e.status === 'running' || e.status === 'cancelled',
      15_000,
    );
    expect((await client.jobs.toggle('cc-replace')).body.disabled).toBe(true);
    const [old, next] = list as [Execution, Execution];
    expect(old.status).toBe('cancelled');
    expect(old.success).toBe(false);
    expect(ms(old.finished_at)).toBeLessThanOrEqual(ms(next.started_at));
    // Cancelled before its `sleep 10` ended, by a later slot of its own 2 s grid.
    expect(ms(old.finished_at) - ms(old.started_at)).toBeLessThan(10_000);
    const spacing = ms(next.scheduled_at ?? '') - ms(old.scheduled_at ?? '');
    expect(spacing).toBeGreaterThanOrEqual(2000);
    expect(spacing % 2000).toBe(0);
    // The new run goes on (until the next slot replaces it, if one came before the toggle).
    const after = await executions(client, 'cc-replace');
    expect(overlaps(after)).toEqual([]);
    expect(after.filter((e) => e.status === 'running').length).toBeLessThanOrEqual(1);
    for (const e of after.slice(0, -1)) expect(e.status, e.id).toBe('cancelled');
    // The replaced process is gone: at most one `sleep 10` under the agent.
    const sleeps = childrenOf(agent.proc.pid as number).filter((c) => c.cmd === 'sleep 10');
    expect(sleeps.length).toBeLessThanOrEqual(1);
  });
});

describe('concurrency: forbid with retries', () => {
  it('a retry never runs alongside a new trigger of the same forbid job', async () => {
    // Each trigger fails after 1.5 s and is retried 1 s later; slots come every second.
    await save(client, {
      ...shellJob('cc-forbid-retry', ''),
      executor_config: { command: 'sleep 1.5; exit 1', shell: 'true' },
      schedule: '@every 1s',
      concurrency: 'forbid',
      retries: 1,
      retry_backoff: '1s',
    });
    // Two retried triggers give every chance for a slot to come during a backoff.
    await waitExecutions(client, 'cc-forbid-retry', 2, (e) => finished(e) && e.attempt === 2, 20_000);
    expect((await client.jobs.toggle('cc-forbid-retry')).body.disabled).toBe(true);
    const all = await waitFor(
      async () => {
        const l = await executions(client, 'cc-forbid-retry');
        return l.every(finished) ? l : undefined;
      },
      { timeoutMs: 15_000, message: 'cc-forbid-retry idle' },
    );
    expect(overlaps(all)).toEqual([]);
  });
});

describe('concurrency: forbid on scheduled runs', () => {
  it('never two runs at once; the slots while it runs are skipped', async () => {
    const list = await waitExecutions(client, 'cc-forbid', 2, finished, 20_000);
    expect((await client.jobs.toggle('cc-forbid')).body.disabled).toBe(true);
    const elapsed = Date.now() - forbidSavedAt;
    const all = await waitFor(
      async () => {
        const l = await executions(client, 'cc-forbid');
        return l.every(finished) ? l : undefined;
      },
      { timeoutMs: 10_000, message: 'cc-forbid idle' },
    );
    expect(all.length).toBeGreaterThanOrEqual(list.filter(finished).length);
    expect(overlaps(all)).toEqual([]);
    for (const e of all) expect(e.status, e.id).toBe('success');
    // Slots while a 3 s run goes on are skipped: consecutive runs are >= 3 slots apart …
    const slots = all.map((e) => ms(e.scheduled_at ?? ''));
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]! - slots[i - 1]!, `slot ${i}`).toBeGreaterThanOrEqual(3000);
      expect((slots[i]! - slots[i - 1]!) % 1000).toBe(0);
    }
    // … so far fewer runs than seconds went by.
    expect(all.length).toBeLessThanOrEqual(Math.ceil(elapsed / 3000));
  });
});
