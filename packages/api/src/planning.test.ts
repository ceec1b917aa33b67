import { toJob } from '@dkron-core/kernel';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySlots, upcomingOf, upcomingRuns } from './internal/planning.js';
import { realAgent } from './testing/real-agent.js';

const T = (s: string) => Date.parse(s);
/** A stored job: `next` is the server's field, which toJob does not take from input. */
const job = ({ next, ...fields }: Record<string, unknown>): Job => ({
  ...toJob({ name: 'j', executor: 'shell', executor_config: { command: 'true' }, ...fields }),
  ...(typeof next === 'string' ? { next } : {}),
});

function execution(fields: Partial<Execution> & { id: string }): Execution {
  return {
    job_name: 'j',
    started_at: '2026-03-01T10:00:00Z',
    finished_at: '2026-03-01T10:00:01Z',
    success: true,
    output: '',
    node_name: 'n1',
    group: 1,
    attempt: 1,
    status: 'success',
    scheduled_at: null,
    ...fields,
  };
}

const MEMBER = {
  Name: 'n1',
  Addr: '127.0.0.1',
  Port: 8946,
  Tags: { role: 'dkron', dkron_server: 'true' },
  Status: 1,
  ProtocolMin: 1,
  ProtocolMax: 5,
  ProtocolCur: 2,
  DelegateMin: 2,
  DelegateMax: 5,
  DelegateCur: 4,
};

describe('classifySlots', () => {
  const window = {
    defaultTimezone: 'UTC',
    from: T('2026-03-01T10:00:00Z'),
    to: T('2026-03-01T10:05:00Z'),
    limit: 100,
  };

  it('tells ran (with lag), skipped by forbid, missed and unknown apart', () => {
    const j = job({ schedule: '0 * * * * *', concurrency: 'forbid' });
    const executions = [
      // 10:01 ran 250 ms late and held on until 10:02:30, so 10:02 was skipped by forbid.
      execution({
        id: 'a',
        scheduled_at: '2026-03-01T10:01:00Z',
        started_at: '2026-03-01T10:01:00.250Z',
        finished_at: '2026-03-01T10:02:30Z',
      }),
      // 10:04 failed on its first attempt and succeeded on the retry.
      execution({
        id: 'b1',
        scheduled_at: '2026-03-01T10:04:00Z',
        started_at: '2026-03-01T10:04:00Z',
        status: 'failed',
      }),
      execution({
        id: 'b2',
        scheduled_at: '2026-03-01T10:04:00Z',
        started_at: '2026-03-01T10:04:02Z',
        attempt: 2,
      }),
    ];
    const view = classifySlots({ job: j, executions, members: [MEMBER], ...window });
    expect(view.total).toBe(6);
    expect(view.slots.map((s) => [s.at.slice(11, 16), s.outcome])).toEqual([
      ['10:00', 'unknown'],
      ['10:01', 'ran'],
      ['10:02', 'skipped_forbid'],
      ['10:03', 'missed'],
      ['10:04', 'ran'],
      ['10:05', 'missed'],
    ]);
    expect(view.slots[1]).toMatchObject({ lag_ms: 250, status: 'success', execution: 'a' });
    expect(view.slots[2]).toMatchObject({ blocked_by: 'a' });
    expect(view.slots[4]).toMatchObject({ status: 'success', execution: 'b2', lag_ms: 0 });
    expect(view.history_from).toBe('2026-03-01T10:01:00.250Z');
  });

  it('explains unrun slots by the window, the disabled flag or tags that select no node', () => {
    const history = [execution({ id: 'old', started_at: '2026-03-01T09:00:00Z' })];
    const classify = (fields: Record<string, unknown>) =>
      classifySlots({
        job: job({ schedule: '0 * * * * *', ...fields }),
        executions: history,
        members: [MEMBER],
        ...window,
      }).slots.map((s) => s.outcome);
    expect(classify({ starts_at: '2026-03-01T10:03:30Z' })).toEqual([
      ...Array(4).fill('outside_window'),
      'missed',
      'missed',
    ]);
    expect(classify({ disabled: true })).toEqual(Array(6).fill('disabled'));
    expect(classify({ tags: { role: 'web' } })).toEqual(Array(6).fill('no_target'));
  });

  it('keeps the @every phase of the stored next and returns the latest slots only', () => {
    const j = job({ schedule: '@every 90s', next: '2026-03-01T10:05:30Z' });
    const view = classifySlots({ job: j, executions: [], members: [MEMBER], ...window, limit: 2 });
    expect(view.total).toBe(3); // 10:01:00, 10:02:30, 10:04:00
    expect(view.slots.map((s) => s.at)).toEqual(['2026-03-01T10:02:30Z', '2026-03-01T10:04:00Z']);
  });

  it('has no slots for manual and child jobs', () => {
    expect(
      classifySlots({ job: job({ schedule: '@manually' }), executions: [], members: [], ...window }).total,
    ).toBe(0);
    expect(
      classifySlots({
        job: job({ schedule: '@every 1s', parent_job: 'p' }),
        executions: [],
        members: [],
        ...window,
      }).total,
    ).toBe(0);
  });
});

describe('upcoming', () => {
  it('starts at the stored next and follows the schedule in its zone', () => {
    const j = job({ schedule: '0 30 2 * * *', timezone: 'America/New_York', next: '2026-03-07T07:30:00Z' });
    const times = upcomingOf(j, 'UTC', 3, T('2026-03-07T00:00:00Z')).map((d) => d.toISOString());
    // 02:30 does not exist on 8 March (spring forward): it runs at 03:00 EDT.
    expect(times).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('lists the runs of enabled jobs within the window, earliest first', () => {
    const now = T('2026-03-01T10:00:00Z');
    const jobs = [
      job({ name: 'fast', schedule: '@every 20m', next: '2026-03-01T10:10:00Z' }),
      job({ name: 'hourly', schedule: '0 0 * * * *', next: '2026-03-01T11:00:00Z' }),
      job({ name: 'off', schedule: '@every 1m', disabled: true }),
      job({ name: 'manual', schedule: '@manually' }),
    ];
    expect(upcomingRuns(jobs, 'UTC', now, 3_600_000, 50).map((r) => [r.job, r.at])).toEqual([
      ['fast', '2026-03-01T10:10:00Z'],
      ['fast', '2026-03-01T10:30:00Z'],
      ['fast', '2026-03-01T10:50:00Z'],
      ['hourly', '2026-03-01T11:00:00Z'],
    ]);
    expect(upcomingRuns(jobs, 'UTC', now, 3_600_000, 2)).toHaveLength(2);
  });
});

describe('routes', () => {
  let real: Awaited<ReturnType<typeof realAgent>> | undefined;
  afterEach(async () => {
    await real?.stop();
    real = undefined;
  });

  it('previews a schedule, naming the bad field', async () => {
    real = await realAgent({ defaultTimezone: 'Europe/Berlin' });
    const ok = await real.app.request('/v1/schedule/preview?schedule=@daily&count=2');
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { timezone: string; times: string[] };
    expect(body.timezone).toBe('Europe/Berlin');
    expect(body.times).toHaveLength(2);
    expect(body.times[0]).toMatch(/T00:00:00\+0[12]:00$/);
    for (const [query, field] of [
      ['schedule=0 0 25 * * *', 'schedule'],
      ['schedule=@daily&timezone=Mars/Olympus', 'timezone'],
      ['schedule=', 'schedule'],
      ['schedule=@daily&count=0', 'count'],
    ]) {
      const res = await real.app.request(`/v1/schedule/preview?${encodeURI(query ?? '')}`);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toMatchObject({ field });
    }
  });

  it('serves a stored job`s upcoming times and slots, and 404 for an unknown job', async () => {
    real = await realAgent();
    const save = await real.app.request('/v1/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'daily', schedule: '@daily', executor: 'gate' }),
    });
    expect(save.status).toBe(201);
    const upcoming = (await (await real.app.request('/v1/jobs/daily/upcoming?count=3')).json()) as {
      times: string[];
    };
    expect(upcoming.times).toHaveLength(3);
    expect(upcoming.times.every((t) => t.endsWith('T00:00:00Z'))).toBe(true);
    const slots = (await (await real.app.request('/v1/jobs/daily/slots?hours=48')).json()) as {
      total: number;
    };
    expect(slots.total).toBe(2);
    const all = (await (await real.app.request('/v1/upcoming?minutes=1440')).json()) as { job: string }[];
    expect(all.map((r) => r.job)).toEqual(['daily']);
    expect((await real.app.request('/v1/jobs/ghost/slots')).status).toBe(404);
    expect((await real.app.request('/v1/jobs/ghost/upcoming')).status).toBe(404);
  });
});
