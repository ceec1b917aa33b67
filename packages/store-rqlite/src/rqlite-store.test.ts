import type { ExecutionCompletion, Store } from '@dkron-core/kernel';
import { type DkronError, isDkronError, ZERO_TIME } from '@dkron-core/plugin-api';
import { describeStoreContract } from '@dkron-core/store-testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordLaunchStatements } from './internal/launch-sql.js';
import { patchJobStatements } from './internal/patch-sql.js';
import { SCHEMA_VERSION } from './internal/schema.js';
import { createRqliteClient, type RqliteClient } from './rqlite-client.js';
import { createRqliteStore } from './rqlite-store.js';
import { makeExecution, makeJob } from './test-support/fixtures.js';
import { startTestRqlite, type TestRqlite } from './test-support/helpers.js';

const TABLES = ['jobs', 'executions', 'launches', 'stats', 'leader', 'members', 'write_tokens'];

let node: TestRqlite;
let raw: RqliteClient;
let store: Store;

async function wipe(): Promise<void> {
  await raw.execute(
    TABLES.map((t): [string] => [`DELETE FROM ${t}`]),
    { transaction: true },
  );
}

async function rejection(promise: Promise<unknown>): Promise<DkronError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDkronError(error)) throw new Error(`expected a DkronError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  node = await startTestRqlite();
  raw = createRqliteClient({ url: node.rqlite.url, credentials: node.rqlite.credentials });
  store = await createRqliteStore({ url: node.rqlite.url, credentials: node.rqlite.credentials });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await raw?.close();
  await node?.cleanup();
});

describe('schema', () => {
  it('migrates idempotently and records the version once', async () => {
    const again = await createRqliteStore({ url: node.rqlite.url, credentials: node.rqlite.credentials });
    await again.close();
    const [result] = await raw.query([['SELECT version FROM schema_version ORDER BY version']]);
    expect(result?.rows).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));
  });

  it('upgrades a version 1 database (the first release) in place', async () => {
    await store.saveJob(makeJob('kept'));
    await store.saveJob(makeJob('kept'));
    await raw.execute(
      [
        ['DROP TABLE write_tokens'],
        ['ALTER TABLE jobs DROP COLUMN version'],
        ['DELETE FROM schema_version WHERE version > ?', 1],
      ],
      { transaction: true },
    );
    const upgraded = await createRqliteStore({ url: node.rqlite.url, credentials: node.rqlite.credentials });
    try {
      expect((await upgraded.getJob('kept'))?.name).toBe('kept');
      // Jobs stored before versions existed start at version 1.
      expect((await upgraded.readJob('kept'))?.version).toBe(1);
      await upgraded.patchJob('kept', { missedIncrement: 1 });
      expect((await upgraded.getJob('kept'))?.missed_count).toBe(1);
    } finally {
      await upgraded.close();
    }
    const [result] = await raw.query([['SELECT max(version) AS v FROM schema_version']]);
    expect(result?.rows).toEqual([{ v: SCHEMA_VERSION }]);
    await wipe();
  });

  it('skips a migration another server applied meanwhile (ADD COLUMN is not idempotent)', async () => {
    // The state a server finds when it read version 4, then lost the race to apply version 5.
    await raw.execute([['DELETE FROM schema_version WHERE version = ?', 5]]);
    const racing = createRqliteClient({ url: node.rqlite.url, credentials: node.rqlite.credentials });
    const { migrate } = await import('./internal/schema.js');
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    let reads = 0;
    const lateVersionRow: RqliteClient = {
      ...racing,
      // The version check reads 4; then "the other server" records version 5 before our ALTER runs.
      async query(statements, options) {
        const results = await racing.query(statements, options);
        if (reads++ === 0) {
          await raw.execute([['INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', 5, 0]]);
        }
        return results;
      },
    };
    try {
      expect(await migrate(lateVersionRow, silent)).toBe(4);
    } finally {
      await racing.close();
    }
    const [result] = await raw.query([['SELECT max(version) AS v FROM schema_version']]);
    expect(result?.rows).toEqual([{ v: SCHEMA_VERSION }]);
  });

  it('refuses a database written by a newer schema', async () => {
    await raw.execute([['INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', 999, 0]]);
    try {
      const error = await rejection(
        createRqliteStore({ url: node.rqlite.url, credentials: node.rqlite.credentials }),
      );
      expect(error.message).toMatch(/schema is at version 999, newer than this dkron-core supports/);
    } finally {
      await raw.execute([['DELETE FROM schema_version WHERE version = ?', 999]]);
    }
  });
});

describe('jobs', () => {
  beforeEach(wipe);

  it('stores and serves every field unchanged', async () => {
    const job = makeJob('full', {
      displayname: 'Full job',
      timezone: 'Europe/Paris',
      schedule: '0 30 * * * *',
      owner: 'ops',
      owner_email: 'ops@example.com',
      last_success: '2026-01-02T03:04:05.123456789+01:00',
      last_error: '2026-01-01T00:00:00Z',
      disabled: true,
      tags: { role: 'web:2' },
      metadata: { team: 'a', 'weird key"; --': 'x' },
      retries: 3,
      processors: { log: { forward: 'true' } },
      concurrency: 'forbid',
      executor_config: { command: 'echo "hi"', timeout: '30' },
      next: '2026-01-02T03:30:00Z',
      ephemeral: true,
      starts_at: '2026-01-01T00:00:00.5Z',
      expires_at: '2027-01-01T00:00:00-05:00',
      catchup_window: '0',
      retry_backoff: '10s',
      retry_backoff_max: '5m',
      notify: { on: 'always', webhook: 'http://example.com/hook' },
    });
    const saved = await store.saveJob(job);
    expect(saved).toEqual(job);
    expect(Object.keys(saved)).toEqual(Object.keys(job));
    expect(await store.getJob('full')).toEqual(job);
    expect(await store.getJob('missing')).toBeUndefined();
  });

  it('rejects a missing parent with NOT_FOUND and stores nothing', async () => {
    const error = await rejection(store.saveJob(makeJob('child', { parent_job: 'nope' })));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('specified parent job not found');
    expect(await store.getJob('child')).toBeUndefined();
  });

  it('derives dependent_jobs from the children, and follows a change of parent', async () => {
    await store.saveJob(makeJob('p1'));
    await store.saveJob(makeJob('p2'));
    await store.saveJob(makeJob('c2', { parent_job: 'p1', schedule: '' }));
    await store.saveJob(makeJob('c1', { parent_job: 'p1', schedule: '', dependent_jobs: ['ignored'] }));
    expect((await store.getJob('p1'))?.dependent_jobs).toEqual(['c1', 'c2']);
    expect((await store.getJob('c1'))?.dependent_jobs).toBeNull();
    await store.saveJob(makeJob('c2', { parent_job: 'p2', schedule: '' }));
    expect((await store.getJob('p1'))?.dependent_jobs).toEqual(['c1']);
    expect((await store.getJob('p2'))?.dependent_jobs).toEqual(['c2']);
  });

  it('merges an update with the stored row (counters, last times, status, missed_count, next)', async () => {
    await store.saveJob(
      makeJob('m', {
        success_count: 5,
        error_count: 2,
        last_success: '2026-01-05T00:00:00Z',
        last_error: null,
        next: '2026-01-05T00:01:00Z',
        displayname: 'old',
      }),
    );
    await store.patchJob('m', { status: 'success', missedIncrement: 4 });
    const updated = await store.saveJob(
      makeJob('m', {
        success_count: 1,
        error_count: 7,
        last_success: null,
        last_error: '2026-01-04T00:00:00Z',
        status: 'failed',
        missed_count: 0,
        next: '2026-01-05T00:00:30Z',
        displayname: 'new',
        tags: null,
      }),
    );
    expect(updated).toMatchObject({
      success_count: 5,
      error_count: 7,
      last_success: '2026-01-05T00:00:00Z',
      last_error: '2026-01-04T00:00:00Z',
      status: 'success',
      missed_count: 4,
      next: '2026-01-05T00:01:00Z',
      displayname: 'new',
    });
    // The later of two times wins, whatever their offsets.
    const later = await store.saveJob(makeJob('m', { last_success: '2026-01-05T02:00:00+01:00' }));
    expect(later.last_success).toBe('2026-01-05T02:00:00+01:00');
    const earlier = await store.saveJob(makeJob('m', { last_success: '2026-01-05T01:30:00+02:00' }));
    expect(earlier.last_success).toBe('2026-01-05T02:00:00+01:00');
    // A new schedule resets next to the zero time, for the scheduler to recompute.
    const rescheduled = await store.saveJob(
      makeJob('m', { schedule: '@every 10s', next: '2026-01-05T00:00:10Z' }),
    );
    expect(rescheduled.next).toBe(ZERO_TIME);
  });

  it('rejects a time that is not RFC 3339', async () => {
    const error = await rejection(store.saveJob(makeJob('bad', { last_success: 'yesterday' })));
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toBe('last_success is not an RFC 3339 time: "yesterday"');
  });

  it('patches next, status and the missed count; ignores a missing job', async () => {
    await store.saveJob(makeJob('p'));
    await store.patchJob('p', { next: '2026-02-01T00:00:00Z', status: 'running', missedIncrement: 2 });
    await store.patchJob('p', { missedIncrement: 1 });
    await store.patchJob('nobody', { status: 'failed' });
    expect(await store.getJob('p')).toMatchObject({
      next: '2026-02-01T00:00:00Z',
      status: 'running',
      missed_count: 3,
    });
    expect(await store.getJob('nobody')).toBeUndefined();
  });

  it('deletes a job with its executions, and refuses a parent with children', async () => {
    await store.saveJob(makeJob('parent'));
    await store.saveJob(makeJob('kid', { parent_job: 'parent', schedule: '' }));
    await store.startExecutions([makeExecution('kid', 'n1', '2026-01-01T00:00:00Z')], 100);
    const conflict = await rejection(store.deleteJob('parent'));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toBe('store: could not delete job with dependent jobs, delete children first');
    const deleted = await store.deleteJob('kid');
    expect(deleted.name).toBe('kid');
    expect((await store.listExecutions('kid', {})).total).toBe(0);
    expect((await store.getJob('parent'))?.dependent_jobs).toBeNull();
    expect((await store.deleteJob('parent')).name).toBe('parent');
    expect((await rejection(store.deleteJob('parent'))).code).toBe('NOT_FOUND');
  });

  it('lists every job in name order', async () => {
    await store.saveJob(makeJob('b'));
    await store.saveJob(makeJob('a'));
    expect((await store.allJobs()).map((j) => j.name)).toEqual(['a', 'b']);
  });
});

describe('listJobs', () => {
  beforeAll(async () => {
    await wipe();
    const jobs = [
      makeJob('alpha', {
        displayname: 'First',
        schedule: '@every 1m',
        success_count: 3,
        error_count: 1,
        last_success: '2026-01-03T00:00:00Z',
        next: '2026-01-10T00:00:00Z',
        metadata: { team: 'red', env: 'prod' },
      }),
      makeJob('beta', {
        displayname: 'Second Alpha',
        schedule: '@daily',
        success_count: 10,
        last_error: '2026-01-02T00:00:00Z',
        next: '2026-01-09T00:00:00Z',
        disabled: true,
        metadata: { team: 'red', env: 'dev' },
      }),
      makeJob('gamma', {
        displayname: 'third',
        schedule: '0 * * * * *',
        error_count: 5,
        last_success: '2026-01-01T00:00:00Z',
        next: '2026-01-08T00:00:00Z',
        metadata: { team: 'blue' },
      }),
      makeJob('delta', { displayname: 'ALPHA upper' }),
    ];
    for (const job of jobs) await store.saveJob(job);
    await store.patchJob('alpha', { status: 'success' });
    await store.patchJob('gamma', { status: 'failed' });
  });

  const names = async (query: Parameters<Store['listJobs']>[0]) => {
    const page = await store.listJobs(query);
    return { names: page.jobs.map((j) => j.name), total: page.total };
  };

  it('sorts by name ascending by default and counts before slicing', async () => {
    expect(await names({})).toEqual({ names: ['alpha', 'beta', 'delta', 'gamma'], total: 4 });
    expect(await names({ start: 1, end: 3 })).toEqual({ names: ['beta', 'delta'], total: 4 });
    expect(await names({ start: 3 })).toEqual({ names: ['gamma'], total: 4 });
    expect(await names({ start: 5, end: 2 })).toEqual({ names: [], total: 4 });
  });

  it('filters by a case-sensitive substring of name or displayname', async () => {
    expect(await names({ q: 'lph' })).toEqual({ names: ['alpha', 'beta'], total: 2 });
    expect(await names({ q: 'ALPHA' })).toEqual({ names: ['delta'], total: 1 });
    expect(await names({ q: "'; DROP TABLE jobs; --" })).toEqual({ names: [], total: 0 });
  });

  it('filters by status (empty = never ran) and by disabled', async () => {
    expect(await names({ status: '' })).toEqual({ names: ['beta', 'delta'], total: 2 });
    expect(await names({ status: 'failed' })).toEqual({ names: ['gamma'], total: 1 });
    expect(await names({ disabled: true })).toEqual({ names: ['beta'], total: 1 });
    expect(await names({ disabled: false, status: 'success' })).toEqual({ names: ['alpha'], total: 1 });
  });

  it('keeps jobs whose metadata holds every pair', async () => {
    expect(await names({ metadata: { team: 'red' } })).toEqual({ names: ['alpha', 'beta'], total: 2 });
    expect(await names({ metadata: { team: 'red', env: 'prod' } })).toEqual({ names: ['alpha'], total: 1 });
    expect(await names({ metadata: { team: 'green' } })).toEqual({ names: [], total: 0 });
    expect(await names({ metadata: { "team') OR 1=1 --": 'red' } })).toEqual({ names: [], total: 0 });
  });

  it.each([
    ['displayname', ['delta', 'alpha', 'beta', 'gamma']],
    ['schedule', ['gamma', 'beta', 'alpha', 'delta']],
    ['success_count', ['delta', 'gamma', 'alpha', 'beta']],
    ['error_count', ['beta', 'delta', 'alpha', 'gamma']],
    ['last_success', ['beta', 'delta', 'gamma', 'alpha']],
    ['last_error', ['alpha', 'delta', 'gamma', 'beta']],
    ['next', ['delta', 'gamma', 'beta', 'alpha']],
  ] as const)('sorts by %s in both directions', async (sort, ascending) => {
    expect((await names({ sort })).names).toEqual(ascending);
    expect((await names({ sort, order: 'DESC' })).names).toEqual([...ascending].reverse());
  });

  it('refuses a sort field outside the whitelist', async () => {
    const error = await rejection(store.listJobs({ sort: 'name; DROP TABLE jobs' as 'name' }));
    expect(error.code).toBe('VALIDATION');
  });
});

describe('launches', () => {
  beforeEach(async () => {
    await wipe();
    await store.saveJob(makeJob('tick'));
  });

  const intent = (scheduledAt: number, next: number | null, epoch = 1) => ({
    job: 'tick',
    scheduledAt,
    group: scheduledAt * 1_000_000,
    epoch,
    next,
  });

  it('inserts each (job, slot) once and moves next in the same batch', async () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    const first = await store.recordLaunches([intent(t, t + 60_000), intent(t + 60_000, t + 120_000)]);
    expect(first).toHaveLength(2);
    const again = await store.recordLaunches([intent(t + 60_000, t + 120_000), intent(t + 120_000, null)]);
    expect(again).toEqual([intent(t + 120_000, null)]);
    expect((await store.getJob('tick'))?.next).toBe(ZERO_TIME);
    expect(await store.lastLaunches()).toEqual(new Map([['tick', t + 120_000]]));
  });

  it('reports a slot as inserted again when the same request is retried (unknown outcome)', async () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    const request = recordLaunchStatements([intent(t, t + 60_000)], t, 'token-1');
    expect((await raw.execute(request, { transaction: true }))[0]?.rowsAffected).toBe(1);
    expect((await raw.execute(request, { transaction: true }))[0]?.rowsAffected).toBe(1);
    const other = recordLaunchStatements([intent(t, t + 60_000)], t, 'token-2');
    expect((await raw.execute(other, { transaction: true }))[0]?.rowsAffected).toBe(0);
    expect(await store.recordLaunches([intent(t, t + 60_000)])).toEqual([]);
    const [rows] = await raw.query([['SELECT count(*) AS n FROM launches']]);
    expect(rows?.rows).toEqual([{ n: 1 }]);
  });

  it('adds a missed increment once when the same patch request is retried (unknown outcome)', async () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    const request = patchJobStatements(
      'tick',
      { missedIncrement: 3, next: '2026-01-01T00:01:00Z' },
      'tok-1',
      t,
    );
    await raw.execute(request, { transaction: true });
    await raw.execute(request, { transaction: true });
    expect(await store.getJob('tick')).toMatchObject({ missed_count: 3, next: '2026-01-01T00:01:00Z' });
    await raw.execute(patchJobStatements('tick', { missedIncrement: 2 }, 'tok-2', t + 1), {
      transaction: true,
    });
    expect((await store.getJob('tick'))?.missed_count).toBe(5);
    // Tokens older than an hour are dropped by a later patch.
    await raw.execute(patchJobStatements('tick', { missedIncrement: 1 }, 'tok-3', t + 3_600_002), {
      transaction: true,
    });
    const [rows] = await raw.query([['SELECT token FROM write_tokens ORDER BY token']]);
    expect(rows?.rows).toEqual([{ token: 'tok-3' }]);
  });

  it('never moves next back when an older batch is retried', async () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    await store.recordLaunches([intent(t + 60_000, t + 120_000)]);
    expect(await store.recordLaunches([intent(t, t + 60_000)])).toHaveLength(1);
    expect((await store.getJob('tick'))?.next).toBe('2026-01-01T00:02:00Z');
  });

  it('writes nothing for a job that does not exist or for a fenced-off epoch', async () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(await store.recordLaunches([{ ...intent(t, null), job: 'ghost' }])).toEqual([]);
    await raw.execute([
      ['INSERT INTO leader (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)', 'scheduler', 'n2', 5, t],
    ]);
    expect(await store.recordLaunches([intent(t, t + 1_000, 4)])).toEqual([]);
    expect((await store.getJob('tick'))?.next).toBe(ZERO_TIME);
    expect(await store.recordLaunches([intent(t, t + 1_000, 5)])).toHaveLength(1);
    expect(await store.lastLaunches()).toEqual(new Map([['tick', t]]));
  });
});

describe('executions', () => {
  beforeEach(async () => {
    await wipe();
    await store.saveJob(makeJob('job'));
  });

  const done = (
    e: { id: string; job_name: string },
    status: ExecutionCompletion['status'],
    finishedAt: string,
    output = 'out',
  ): ExecutionCompletion => ({ jobName: e.job_name, executionId: e.id, status, finishedAt, output });

  it('starts idempotently and lists running executions', async () => {
    const e = makeExecution('job', 'n1', '2026-01-01T00:00:00.123456789Z', {
      scheduled_at: '2026-01-01T00:00:00Z',
    });
    await store.startExecutions([e], 100);
    await store.startExecutions([e], 100);
    expect(await store.runningExecutions()).toEqual([e]);
    expect(await store.runningExecutions('job')).toEqual([e]);
    expect(await store.runningExecutions('other')).toEqual([]);
    expect(await store.getExecution('job', e.id)).toEqual(e);
    expect(await store.getExecution('other', e.id)).toBeUndefined();
    // An execution of a job that does not exist is not stored.
    await store.startExecutions([makeExecution('ghost', 'n1', '2026-01-01T00:00:00Z')], 100);
    expect(await store.runningExecutions('ghost')).toEqual([]);
  });

  it('counts a completion exactly once, even applied twice in one batch and again later', async () => {
    const ok = makeExecution('job', 'n1', '2026-01-01T10:00:00Z');
    const bad = makeExecution('job', 'n2', '2026-01-01T10:00:00Z', { group: ok.group });
    await store.startExecutions([ok, bad], 100);
    const batch = [
      done(ok, 'success', '2026-01-01T10:00:05Z', 'fine'),
      done(ok, 'success', '2026-01-01T10:00:05Z', 'fine'),
      done(bad, 'failed', '2026-01-01T10:00:07Z', 'boom'),
    ];
    await store.finishExecutions(batch);
    await store.finishExecutions(batch);
    await store.finishExecutions([done(ok, 'failed', '2026-01-01T11:00:00Z', 'late duplicate')]);
    const job = await store.getJob('job');
    expect(job).toMatchObject({
      success_count: 1,
      error_count: 1,
      last_success: '2026-01-01T10:00:05Z',
      last_error: '2026-01-01T10:00:07Z',
      status: 'partially_failed',
    });
    expect(await store.getExecution('job', ok.id)).toMatchObject({
      status: 'success',
      success: true,
      output: 'fine',
      finished_at: '2026-01-01T10:00:05Z',
    });
    expect(await store.runningExecutions()).toEqual([]);
    const stats = await store.stats(2, new Date('2026-01-01T23:00:00Z'));
    expect(stats).toEqual([
      { date: '2025-12-31T00:00:00Z', success_count: 0, failed_count: 0 },
      { date: '2026-01-01T00:00:00Z', success_count: 1, failed_count: 1 },
    ]);
  });

  it('takes the status from the latest attempt of every node in the latest group', async () => {
    const first = makeExecution('job', 'n1', '2026-01-01T00:00:00Z');
    await store.startExecutions([first], 100);
    await store.finishExecutions([done(first, 'failed', '2026-01-01T00:00:01Z')]);
    expect((await store.getJob('job'))?.status).toBe('failed');
    // A retry in the same group that succeeds makes the trigger a success.
    const retry = makeExecution('job', 'n1', '2026-01-01T00:00:02Z', { group: first.group, attempt: 2 });
    const other = makeExecution('job', 'n2', '2026-01-01T00:00:02Z', { group: first.group });
    await store.startExecutions([retry, other], 100);
    await store.finishExecutions([done(retry, 'success', '2026-01-01T00:00:03Z')]);
    expect((await store.getJob('job'))?.status).toBe('running');
    await store.finishExecutions([done(other, 'success', '2026-01-01T00:00:04Z')]);
    expect((await store.getJob('job'))?.status).toBe('success');
    // Counters count every attempt.
    expect(await store.getJob('job')).toMatchObject({ success_count: 2, error_count: 1 });
    // A newer trigger decides alone.
    const next = makeExecution('job', 'n1', '2026-01-02T00:00:00Z');
    await store.startExecutions([next], 100);
    await store.finishExecutions([done(next, 'lost', '2026-01-02T00:00:01Z')]);
    expect((await store.getJob('job'))?.status).toBe('failed');
  });

  it('refuses a retention that is not a positive integer', async () => {
    for (const retain of [0, -1, 1.5, Number.NaN]) {
      const error = await rejection(
        store.startExecutions([makeExecution('job', 'n1', '2026-01-01T00:00:00Z')], retain),
      );
      expect(error.code).toBe('VALIDATION');
    }
  });

  it('keys executions by job and id (Dkron ids are unique per job only) and trims per job', async () => {
    await store.saveJob(makeJob('other'));
    const mine = makeExecution('job', 'n1', '2026-01-01T00:00:00Z');
    const theirs = makeExecution('other', 'n1', '2026-01-01T00:00:00Z');
    expect(theirs.id).toBe(mine.id);
    await store.startExecutions([mine, theirs], 1);
    await store.finishExecutions([done(theirs, 'failed', '2026-01-01T00:00:01Z', 'theirs')]);
    expect(await store.getExecution('job', mine.id)).toMatchObject({ status: 'running' });
    expect(await store.getExecution('other', mine.id)).toMatchObject({ status: 'failed', output: 'theirs' });
    expect((await store.getJob('job'))?.error_count).toBe(0);
    expect((await store.getJob('other'))?.error_count).toBe(1);
    await store.startExecutions([makeExecution('job', 'n1', '2026-01-01T00:00:05Z')], 1);
    expect((await store.listExecutions('job', {})).total).toBe(1);
    expect((await store.listExecutions('other', {})).total).toBe(1);
  });

  it('lists with sort, order, slice and a byte limit that keeps the tail', async () => {
    const a = makeExecution('job', 'n1', '2026-01-01T00:00:01Z', { attempt: 2 });
    const b = makeExecution('job', 'n1', '2026-01-01T00:00:02Z', { attempt: 1 });
    const c = makeExecution('job', 'n2', '2026-01-01T00:00:03Z', { attempt: 3 });
    await store.startExecutions([a, b, c], 100);
    await store.finishExecutions([
      done(a, 'success', '2026-01-01T00:00:09Z', 'héllo wörld'),
      done(b, 'failed', '2026-01-01T00:00:05Z', 'short'),
    ]);
    const ids = async (query: Parameters<Store['listExecutions']>[1]) =>
      (await store.listExecutions('job', query)).executions.map((e) => e.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ order: 'ASC' })).toEqual([a.id, b.id, c.id]);
    expect(await ids({ sort: 'attempt' })).toEqual([c.id, a.id, b.id]);
    expect(await ids({ sort: 'finished_at', order: 'ASC' })).toEqual([c.id, b.id, a.id]);
    expect(await ids({ start: 1, end: 2 })).toEqual([b.id]);
    expect((await store.listExecutions('job', { start: 1, end: 2 })).total).toBe(3);

    const limited = await store.listExecutions('job', { outputSizeLimit: 6, order: 'ASC' });
    // "wörld" is 6 bytes ("ö" is 2); 4 bytes cut "ö" in the middle and its partial byte is dropped.
    expect(limited.executions.map((e) => [e.output, e.output_truncated])).toEqual([
      ['wörld', true],
      ['short', false],
      ['', false],
    ]);
    const whole = await store.listExecutions('job', { outputSizeLimit: 5, order: 'ASC' });
    expect(whole.executions[0]?.output).toBe('örld');
    const cut = await store.listExecutions('job', { outputSizeLimit: 4, order: 'ASC' });
    expect(cut.executions[0]?.output).toBe('rld');
    const none = await store.listExecutions('job', { outputSizeLimit: 0, order: 'ASC' });
    expect(none.executions.map((e) => e.output)).toEqual(['', '', '']);
    const plain = await store.listExecutions('job', {});
    expect(plain.executions[0]).not.toHaveProperty('output_truncated');
  });

  it('deletes the executions and resets counters, keeping status and stats', async () => {
    const e = makeExecution('job', 'n1', '2026-01-01T00:00:00Z');
    await store.startExecutions([e], 100);
    await store.finishExecutions([done(e, 'success', '2026-01-01T00:00:01Z')]);
    const job = await store.deleteExecutions('job');
    expect(job).toMatchObject({
      success_count: 0,
      error_count: 0,
      last_success: null,
      last_error: null,
      status: 'success',
    });
    expect((await store.listExecutions('job', {})).total).toBe(0);
    expect((await store.stats(1, new Date('2026-01-01T12:00:00Z')))[0]?.success_count).toBe(1);
    expect((await rejection(store.deleteExecutions('ghost'))).code).toBe('NOT_FOUND');
  });
});

describe('stats', () => {
  beforeEach(wipe);

  it('is zero-filled, oldest first, ending today (UTC)', async () => {
    const stats = await store.stats(3, new Date('2026-03-01T00:30:00+02:00'));
    expect(stats).toEqual([
      { date: '2026-02-26T00:00:00Z', success_count: 0, failed_count: 0 },
      { date: '2026-02-27T00:00:00Z', success_count: 0, failed_count: 0 },
      { date: '2026-02-28T00:00:00Z', success_count: 0, failed_count: 0 },
    ]);
  });
});

// The shared contract suite: one rqlited for the whole file, a wiped database per store, once per transport.
for (const transport of ['rqlite-js', 'undici'] as const) {
  describeStoreContract(`rqlite store (${transport})`, async () => {
    await wipe();
    const fresh = await createRqliteStore({
      url: node.rqlite.url,
      transport,
      credentials: node.rqlite.credentials,
    });
    return {
      store: fresh,
      cleanup: () => fresh.close(),
      async grantEpoch(epoch: number) {
        await raw.execute([
          [
            'INSERT INTO leader (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)',
            'scheduler',
            'n2',
            epoch,
            Date.now(),
          ],
        ]);
      },
    };
  });
}

describe('a jobs row that cannot be read', () => {
  beforeEach(wipe);

  async function corrupt(name: string, column: 'doc' | 'metadata', value: string): Promise<void> {
    const [result] = await raw.execute([[`UPDATE jobs SET ${column} = ? WHERE name = ?`, value, name]]);
    expect(result?.rowsAffected).toBe(1);
  }

  it('is skipped by every read, reported by health, and removed by deleteJob', async () => {
    await store.saveJob(makeJob('good'));
    await store.saveJob(makeJob('bad'));
    await store.saveJob(makeJob('child', { parent_job: 'bad' }));
    await corrupt('bad', 'doc', '{not json');
    expect(await store.health?.()).toEqual([]);

    expect((await store.allJobs()).map((j) => j.name)).toEqual(['child', 'good']);
    expect((await store.listJobs({})).jobs.map((j) => j.name)).toEqual(['child', 'good']);
    expect(await store.getJob('bad')).toBeUndefined();
    const [issue] = (await store.health?.()) ?? [];
    expect(issue).toMatch(/^job "bad" cannot be read: column doc is not JSON/);
    expect(issue).toContain('DELETE /v1/jobs/bad removes it');

    // Its children still hold it, as for any job; once they are gone, it deletes.
    expect((await rejection(store.deleteJob('bad'))).code).toBe('CONFLICT');
    await store.deleteJob('child');
    const deleted = await store.deleteJob('bad');
    expect(deleted.name).toBe('bad');
    expect(await store.health?.()).toEqual([]);
    expect((await store.listJobs({})).total).toBe(1);
  });

  it('is also a doc that is JSON but not an object, or metadata that is not JSON', async () => {
    await store.saveJob(makeJob('arr'));
    await store.saveJob(makeJob('meta', { metadata: { a: 'b' } }));
    await corrupt('arr', 'doc', '[1,2]');
    await corrupt('meta', 'metadata', 'nope');
    expect(await store.allJobs()).toEqual([]);
    expect(await store.health?.()).toEqual([
      expect.stringMatching(/^job "arr" cannot be read: column doc is not a JSON object/),
      expect.stringMatching(/^job "meta" cannot be read: column metadata is not JSON/),
    ]);
  });

  it('is no issue any more once saved again', async () => {
    await store.saveJob(makeJob('fix'));
    await corrupt('fix', 'doc', 'garbage');
    expect(await store.getJob('fix')).toBeUndefined();
    expect(await store.health?.()).toHaveLength(1);
    await store.saveJob(makeJob('fix'));
    expect((await store.getJob('fix'))?.name).toBe('fix');
    expect(await store.health?.()).toEqual([]);
  });
});
