/**
 * The Store contract: one suite that every implementation of the kernel's Store port must pass
 * (the in-memory store and the rqlite store). It checks only behaviour the port documents.
 *
 * @example
 * ```ts
 * describeStoreContract('memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }));
 * ```
 */

import {
  type ExecutionCompletion,
  isVersionConflict,
  type LaunchIntent,
  type Store,
  toJob,
} from '@dkron-core/kernel';
import {
  type Execution,
  type ExecutionStatus,
  isDkronError,
  type Job,
  ZERO_TIME,
} from '@dkron-core/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leaseCases } from './lease-contract.js';

/** A fresh, empty store and how to dispose of it (close it, delete its data). */
export interface StoreUnderTest {
  readonly store: Store;
  cleanup(): Promise<void>;
  /**
   * Grants leader epoch `epoch` as the implementation's leadership does (rqlite: the `leader` row,
   * memory: `grantEpoch`), for the fencing cases: from then on, launches of older epochs write nothing.
   */
  grantEpoch(epoch: number): Promise<void>;
}

/** A full job with test defaults. */
export function contractJob(name: string, overrides: Partial<Job> = {}): Job {
  return {
    ...toJob({}),
    id: name,
    name,
    schedule: '@every 1m',
    executor: 'shell',
    executor_config: { command: 'true' },
    ...overrides,
  };
}

/** A running execution of `job` on `node`, started at `startedAt` (RFC 3339), with Dkron's id. */
export function contractExecution(
  job: string,
  node: string,
  startedAt: string,
  overrides: Partial<Execution> = {},
): Execution {
  const ns = BigInt(Date.parse(startedAt)) * 1_000_000n;
  return {
    id: `${ns}-${node}`,
    job_name: job,
    started_at: startedAt,
    finished_at: ZERO_TIME,
    success: false,
    output: '',
    node_name: node,
    group: Number(ns),
    attempt: 1,
    status: 'running',
    scheduled_at: null,
    ...overrides,
  };
}

function done(
  execution: Execution,
  status: Exclude<ExecutionStatus, 'running'>,
  finishedAt: string,
  output = '',
): ExecutionCompletion {
  return { jobName: execution.job_name, executionId: execution.id, status, finishedAt, output };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const names = (jobs: readonly Job[]) => jobs.map((j) => j.name);
const DAY = 86_400_000;

/**
 * Registers the Store contract suite under `label`. `makeStore` is called before every test and must
 * return an empty store; `cleanup` is called after it.
 */
export function describeStoreContract(label: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${label}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let grantEpoch: (epoch: number) => Promise<void>;

    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      cleanup = () => made.cleanup();
      grantEpoch = (epoch) => made.grantEpoch(epoch);
    });

    afterEach(async () => {
      await cleanup();
    });

    describe('jobs', () => {
      it('starts empty', async () => {
        expect(await store.getJob('nope')).toBeUndefined();
        expect(await store.allJobs()).toEqual([]);
        expect(await store.listJobs({})).toEqual({ jobs: [], total: 0 });
      });

      it('round-trips every field of a job', async () => {
        const job = contractJob('ñandú-1_x', {
          displayname: 'Full job',
          timezone: 'Europe/Berlin',
          schedule: '0 30 * * * *',
          owner: 'ops',
          owner_email: 'ops@example.com',
          success_count: 4,
          error_count: 2,
          last_success: '2024-01-02T03:04:05.123456789Z',
          last_error: '2024-01-01T00:00:00Z',
          disabled: true,
          tags: { role: 'web:2', dc: 'eu' },
          metadata: { team: 'a', 'with space': 'ü' },
          retries: 3,
          processors: { log: { forward: 'true' }, files: {} },
          concurrency: 'forbid',
          executor: 'http',
          executor_config: { url: 'http://x', timeout: 30, tls: true, headers: ['A: b'], nested: { k: 'v' } },
          status: 'success',
          next: '2024-06-01T00:00:00Z',
          ephemeral: true,
          starts_at: '2024-01-01T00:00:00Z',
          expires_at: '2030-01-01T00:00:00Z',
          catchup_window: '0',
          retry_backoff: '5s',
          retry_backoff_max: '1m',
          notify: { on: 'always', webhook: 'https://hooks.example/x', email: ['a@example.com'] },
          missed_count: 7,
        });
        const saved = await store.saveJob(job);
        expect(saved).toEqual(job);
        expect(await store.getJob(job.name)).toEqual(job);
        expect(await store.allJobs()).toEqual([job]);
      });

      it('returns copies: changing a returned job does not change the store', async () => {
        await store.saveJob(contractJob('a', { tags: { x: '1' } }));
        const got = (await store.getJob('a')) as { tags: Record<string, string> };
        got.tags.x = 'changed';
        expect((await store.getJob('a'))?.tags).toEqual({ x: '1' });
      });

      it('replaces a job on save: omitted fields are cleared', async () => {
        await store.saveJob(contractJob('a', { tags: { x: '1' }, owner: 'me', disabled: true }));
        const saved = await store.saveJob(contractJob('a', { owner: 'you' }));
        expect(saved.tags).toBeNull();
        expect(saved.owner).toBe('you');
        expect(saved.disabled).toBe(false);
        expect(await store.getJob('a')).toEqual(saved);
      });

      it('keeps the larger counters and the later last_success/last_error; null never erases', async () => {
        await store.saveJob(
          contractJob('a', {
            success_count: 10,
            error_count: 1,
            last_success: '2024-05-01T00:00:00Z',
            last_error: '2024-01-01T00:00:00Z',
          }),
        );
        const saved = await store.saveJob(
          contractJob('a', {
            success_count: 3,
            error_count: 5,
            last_success: null,
            last_error: '2024-02-01T00:00:00Z',
          }),
        );
        expect(saved).toMatchObject({
          success_count: 10,
          error_count: 5,
          last_success: '2024-05-01T00:00:00Z',
          last_error: '2024-02-01T00:00:00Z',
        });
        const again = await store.saveJob(contractJob('a', { last_success: '2024-04-30T23:59:59.999Z' }));
        expect(again.last_success).toBe('2024-05-01T00:00:00Z');
      });

      it('keeps a non-empty stored status; an empty one takes the posted status', async () => {
        await store.saveJob(contractJob('a'));
        expect((await store.saveJob(contractJob('a', { status: 'failed' }))).status).toBe('failed');
        expect((await store.saveJob(contractJob('a', { status: '' }))).status).toBe('failed');
        expect((await store.saveJob(contractJob('a', { status: 'success' }))).status).toBe('failed');
      });

      it('keeps missed_count on save', async () => {
        await store.saveJob(contractJob('a'));
        await store.patchJob('a', { missedIncrement: 2 });
        expect((await store.saveJob(contractJob('a', { missed_count: 0 }))).missed_count).toBe(2);
      });

      it('keeps next while schedule and timezone are unchanged, else resets it to the zero time', async () => {
        await store.saveJob(contractJob('a', { schedule: '@every 1m' }));
        await store.patchJob('a', { next: '2024-06-01T00:01:00Z' });
        expect((await store.saveJob(contractJob('a', { schedule: '@every 1m', owner: 'x' }))).next).toBe(
          '2024-06-01T00:01:00Z',
        );
        expect((await store.saveJob(contractJob('a', { schedule: '@every 2m' }))).next).toBe(ZERO_TIME);
        await store.patchJob('a', { next: '2024-06-01T00:02:00Z' });
        expect((await store.saveJob(contractJob('a', { schedule: '@every 2m', timezone: 'UTC' }))).next).toBe(
          ZERO_TIME,
        );
      });

      it('refuses a missing parent with NOT_FOUND and stores nothing', async () => {
        const error = await rejection(store.saveJob(contractJob('child', { parent_job: 'ghost' })));
        expect(isDkronError(error, 'NOT_FOUND')).toBe(true);
        expect((error as Error).message).toBe('specified parent job not found');
        expect(await store.getJob('child')).toBeUndefined();
      });

      it('derives dependent_jobs from the children', async () => {
        await store.saveJob(contractJob('p'));
        await store.saveJob(contractJob('q', { dependent_jobs: ['posted', 'ignored'] }));
        expect((await store.getJob('q'))?.dependent_jobs).toBeNull();
        await store.saveJob(contractJob('c2', { parent_job: 'p', schedule: '' }));
        await store.saveJob(contractJob('c1', { parent_job: 'p', schedule: '' }));
        expect([...((await store.getJob('p'))?.dependent_jobs ?? [])].sort()).toEqual(['c1', 'c2']);
        // Re-posting the parent keeps its children (Dkron api_test).
        const reposted = await store.saveJob(contractJob('p', { owner: 'new' }));
        expect([...(reposted.dependent_jobs ?? [])].sort()).toEqual(['c1', 'c2']);
        // Moving a child updates both parents.
        await store.saveJob(contractJob('c1', { parent_job: 'q', schedule: '' }));
        expect((await store.getJob('p'))?.dependent_jobs).toEqual(['c2']);
        expect((await store.getJob('q'))?.dependent_jobs).toEqual(['c1']);
        const listed = await store.listJobs({ q: 'q' });
        expect(listed.jobs[0]?.dependent_jobs).toEqual(['c1']);
        const all = await store.allJobs();
        expect(all.find((j) => j.name === 'p')?.dependent_jobs).toEqual(['c2']);
        // Deleting a child updates its parent.
        await store.deleteJob('c2');
        expect((await store.getJob('p'))?.dependent_jobs ?? []).toEqual([]);
      });

      it('deletes a job and returns it; a missing job is NOT_FOUND', async () => {
        const job = await store.saveJob(contractJob('a', { owner: 'me' }));
        expect(await store.deleteJob('a')).toEqual(job);
        expect(await store.getJob('a')).toBeUndefined();
        expect(isDkronError(await rejection(store.deleteJob('a')), 'NOT_FOUND')).toBe(true);
      });

      it('refuses to delete a job with children (CONFLICT)', async () => {
        await store.saveJob(contractJob('p'));
        await store.saveJob(contractJob('c', { parent_job: 'p', schedule: '' }));
        const error = await rejection(store.deleteJob('p'));
        expect(isDkronError(error, 'CONFLICT')).toBe(true);
        expect((error as Error).message).toBe(
          'store: could not delete job with dependent jobs, delete children first',
        );
        expect(await store.getJob('p')).toBeDefined();
      });

      it('reads a job with its version: 1 when created, +1 per save, run-time patches leave it', async () => {
        expect(await store.readJob('a')).toBeUndefined();
        const created = await store.saveJob(contractJob('a'));
        expect(await store.readJob('a')).toEqual({ job: created, version: 1 });
        await store.saveJob(contractJob('a', { displayname: 'two' }));
        await store.patchJob('a', { next: '2030-01-01T00:00:00Z', status: 'success', missedIncrement: 1 });
        const read = await store.readJob('a');
        expect(read?.version).toBe(2);
        expect(read?.job).toEqual(await store.getJob('a'));
        await store.deleteJob('a');
        expect(await store.readJob('a')).toBeUndefined();
        await store.saveJob(contractJob('a'));
        expect((await store.readJob('a'))?.version).toBe(1);
      });

      it('saves conditionally: the expected version passes and bumps, a stale one is a version conflict', async () => {
        await store.saveJob(contractJob('a', { displayname: 'one' }));
        const saved = await store.saveJob(contractJob('a', { displayname: 'two' }), { expectedVersion: 1 });
        expect(saved.displayname).toBe('two');
        expect((await store.readJob('a'))?.version).toBe(2);
        const error = await rejection(
          store.saveJob(contractJob('a', { displayname: 'stale' }), { expectedVersion: 1 }),
        );
        expect(isVersionConflict(error)).toBe(true);
        expect(isDkronError(error, 'CONFLICT')).toBe(true);
        expect(await store.readJob('a')).toEqual({ job: saved, version: 2 });
      });

      it('saves with expected version 0 only a job that does not exist', async () => {
        const created = await store.saveJob(contractJob('a'), { expectedVersion: 0 });
        expect(await store.readJob('a')).toEqual({ job: created, version: 1 });
        const error = await rejection(
          store.saveJob(contractJob('a', { displayname: 'x' }), { expectedVersion: 0 }),
        );
        expect(isVersionConflict(error)).toBe(true);
        expect((await store.getJob('a'))?.displayname).toBe('');
      });

      it('does not recreate a job deleted since the version was read', async () => {
        await store.saveJob(contractJob('a'));
        await store.deleteJob('a');
        const error = await rejection(store.saveJob(contractJob('a'), { expectedVersion: 1 }));
        expect(isVersionConflict(error)).toBe(true);
        expect(await store.getJob('a')).toBeUndefined();
      });

      it('checks the version before the parent: a conditional save of a job whose parent is gone', async () => {
        await store.saveJob(contractJob('p'));
        await store.saveJob(contractJob('c', { parent_job: 'p', schedule: '' }));
        const parentless = contractJob('c', { parent_job: 'gone', schedule: '' });
        expect(isVersionConflict(await rejection(store.saveJob(parentless, { expectedVersion: 5 })))).toBe(
          true,
        );
        const missing = await rejection(store.saveJob(parentless, { expectedVersion: 1 }));
        expect(isDkronError(missing, 'NOT_FOUND')).toBe(true);
        expect((await store.readJob('c'))?.version).toBe(1);
      });

      it('deletes a childless job while saves of it race the delete: never CONFLICT', async () => {
        for (let i = 0; i < 20; i++) {
          const name = `race-${i}`;
          await store.saveJob(contractJob(name));
          const [save, del] = await Promise.allSettled([
            store.saveJob(contractJob(name, { displayname: 'second' })),
            store.deleteJob(name),
          ]);
          expect(save.status).toBe('fulfilled');
          expect(del.status, `delete ${name}: ${del.status === 'rejected' ? String(del.reason) : ''}`).toBe(
            'fulfilled',
          );
        }
      });

      it('deletes the executions of a deleted job', async () => {
        await store.saveJob(contractJob('a'));
        const e = contractExecution('a', 'n1', '2024-01-01T00:00:00Z');
        await store.startExecutions([e], 100);
        await store.deleteJob('a');
        await store.saveJob(contractJob('a'));
        expect(await store.getExecution('a', e.id)).toBeUndefined();
        expect(await store.listExecutions('a', {})).toEqual({ executions: [], total: 0 });
        expect(await store.runningExecutions()).toEqual([]);
      });

      it('patches next, status and missed_count; a missing job is a no-op', async () => {
        await store.saveJob(contractJob('a', { owner: 'kept' }));
        await store.patchJob('a', { next: '2024-01-01T00:00:10Z' });
        await store.patchJob('a', { status: 'running' });
        await store.patchJob('a', { missedIncrement: 2 });
        await store.patchJob('a', { missedIncrement: 3 });
        expect(await store.getJob('a')).toMatchObject({
          next: '2024-01-01T00:00:10Z',
          status: 'running',
          missed_count: 5,
          owner: 'kept',
        });
        await store.patchJob('ghost', { next: '2024-01-01T00:00:10Z', missedIncrement: 1 });
        expect(await store.getJob('ghost')).toBeUndefined();
      });
    });

    describe('listJobs', () => {
      beforeEach(async () => {
        await store.saveJob(
          contractJob('alpha', {
            displayname: 'Backup DB',
            success_count: 2,
            error_count: 30,
            schedule: '@daily',
            metadata: { team: 'a', env: 'prod' },
            last_success: '2024-01-01T00:00:00.5Z',
          }),
        );
        await store.saveJob(
          contractJob('beta', {
            displayname: 'report',
            success_count: 10,
            error_count: 4,
            schedule: '@hourly',
            disabled: true,
            metadata: { team: 'a' },
            last_success: '2024-01-01T00:00:01Z',
          }),
        );
        await store.saveJob(
          contractJob('gamma-backup', {
            displayname: 'Gamma',
            success_count: 1,
            error_count: 5,
            schedule: '@every 1m',
            last_success: '2024-01-01T00:00:00Z',
          }),
        );
        await store.patchJob('alpha', { status: 'success', next: '2024-03-01T00:00:00Z' });
        await store.patchJob('beta', { status: 'failed', next: '2024-02-01T00:00:00Z' });
        await store.patchJob('gamma-backup', { next: '2024-04-01T00:00:00Z' });
      });

      it('sorts by name ascending by default and counts the total', async () => {
        const page = await store.listJobs({});
        expect(names(page.jobs)).toEqual(['alpha', 'beta', 'gamma-backup']);
        expect(page.total).toBe(3);
      });

      it('filters by q, a case-sensitive substring of name or displayname', async () => {
        expect(names((await store.listJobs({ q: 'backup' })).jobs)).toEqual(['gamma-backup']);
        expect(names((await store.listJobs({ q: 'Backup' })).jobs)).toEqual(['alpha']);
        expect(names((await store.listJobs({ q: 'a' })).jobs)).toEqual(['alpha', 'beta', 'gamma-backup']);
        expect(names((await store.listJobs({ q: 'port' })).jobs)).toEqual(['beta']);
        expect((await store.listJobs({ q: 'zzz' })).total).toBe(0);
      });

      it('treats q as plain text, not a pattern', async () => {
        await store.saveJob(contractJob('percent', { displayname: '100%_done' }));
        expect(names((await store.listJobs({ q: '%' })).jobs)).toEqual(['percent']);
        expect(names((await store.listJobs({ q: '_' })).jobs)).toEqual(['percent']);
      });

      it('filters by exact status, with "" for jobs that never ran', async () => {
        expect(names((await store.listJobs({ status: 'success' })).jobs)).toEqual(['alpha']);
        expect(names((await store.listJobs({ status: 'failed' })).jobs)).toEqual(['beta']);
        expect(names((await store.listJobs({ status: '' })).jobs)).toEqual(['gamma-backup']);
        expect((await store.listJobs({ status: 'partially_failed' })).total).toBe(0);
      });

      it('filters by disabled', async () => {
        expect(names((await store.listJobs({ disabled: true })).jobs)).toEqual(['beta']);
        expect(names((await store.listJobs({ disabled: false })).jobs)).toEqual(['alpha', 'gamma-backup']);
      });

      it('filters by executor', async () => {
        await store.saveJob(contractJob('other-exec', { executor: 'http', executor_config: { url: 'x' } }));
        expect(names((await store.listJobs({ executor: 'http' })).jobs)).toEqual(['other-exec']);
        expect((await store.listJobs({ executor: 'http', disabled: true })).total).toBe(0);
        expect((await store.listJobs({ executor: 'nope' })).total).toBe(0);
      });

      it('filters by metadata with AND semantics; jobs without metadata never match', async () => {
        expect(names((await store.listJobs({ metadata: { team: 'a' } })).jobs)).toEqual(['alpha', 'beta']);
        expect(names((await store.listJobs({ metadata: { team: 'a', env: 'prod' } })).jobs)).toEqual([
          'alpha',
        ]);
        expect((await store.listJobs({ metadata: { team: 'a', env: 'dev' } })).total).toBe(0);
        expect((await store.listJobs({ metadata: { team: 'b' } })).total).toBe(0);
        expect((await store.listJobs({ metadata: {} })).total).toBe(3);
      });

      it('combines filters', async () => {
        expect(names((await store.listJobs({ metadata: { team: 'a' }, disabled: false })).jobs)).toEqual([
          'alpha',
        ]);
        expect((await store.listJobs({ q: 'alpha', status: 'failed' })).total).toBe(0);
      });

      it('sorts numbers numerically', async () => {
        expect(names((await store.listJobs({ sort: 'success_count' })).jobs)).toEqual([
          'gamma-backup',
          'alpha',
          'beta',
        ]);
        expect(names((await store.listJobs({ sort: 'error_count', order: 'DESC' })).jobs)).toEqual([
          'alpha',
          'gamma-backup',
          'beta',
        ]);
      });

      it('sorts text fields and orders both ways', async () => {
        expect(names((await store.listJobs({ sort: 'name', order: 'DESC' })).jobs)).toEqual([
          'gamma-backup',
          'beta',
          'alpha',
        ]);
        expect(names((await store.listJobs({ sort: 'displayname' })).jobs)).toEqual([
          'alpha',
          'gamma-backup',
          'beta',
        ]);
        expect(names((await store.listJobs({ sort: 'schedule' })).jobs)).toEqual([
          'alpha',
          'gamma-backup',
          'beta',
        ]);
      });

      it('sorts time fields chronologically', async () => {
        expect(names((await store.listJobs({ sort: 'next' })).jobs)).toEqual([
          'beta',
          'alpha',
          'gamma-backup',
        ]);
        expect(names((await store.listJobs({ sort: 'last_success' })).jobs)).toEqual([
          'gamma-backup',
          'alpha',
          'beta',
        ]);
        expect(names((await store.listJobs({ sort: 'last_success', order: 'DESC' })).jobs)).toEqual([
          'beta',
          'alpha',
          'gamma-backup',
        ]);
      });

      it('slices [start, end) after filtering and sorting; total counts before slicing', async () => {
        expect(await store.listJobs({ start: 1, end: 2 })).toMatchObject({ total: 3 });
        expect(names((await store.listJobs({ start: 1, end: 2 })).jobs)).toEqual(['beta']);
        expect(names((await store.listJobs({ start: 1 })).jobs)).toEqual(['beta', 'gamma-backup']);
        expect(names((await store.listJobs({ end: 2, order: 'DESC' })).jobs)).toEqual([
          'gamma-backup',
          'beta',
        ]);
        expect(names((await store.listJobs({ start: 0, end: 99 })).jobs)).toHaveLength(3);
        expect(await store.listJobs({ start: 5, end: 10 })).toEqual({ jobs: [], total: 3 });
        expect((await store.listJobs({ q: 'a', start: 2 })).total).toBe(3);
      });
    });

    describe('lease, members and job versions', () => leaseCases(() => store, contractJob));

    describe('launch ledger', () => {
      const t0 = Date.UTC(2024, 0, 1, 0, 0, 0);
      const intent = (
        job: string,
        scheduledAt: number,
        next: number | null = scheduledAt + 60_000,
      ): LaunchIntent => ({
        job,
        scheduledAt,
        group: scheduledAt * 1_000_000,
        epoch: 1,
        next,
      });

      beforeEach(async () => {
        await store.saveJob(contractJob('a'));
        await store.saveJob(contractJob('b'));
      });

      it('starts with no launches', async () => {
        expect((await store.lastLaunches()).size).toBe(0);
      });

      it('inserts new intents and returns them', async () => {
        const intents = [intent('a', t0), intent('b', t0)];
        expect(await store.recordLaunches(intents)).toEqual(intents);
      });

      it('ignores an intent for a slot already recorded (INSERT OR IGNORE), even from another epoch', async () => {
        await store.recordLaunches([intent('a', t0)]);
        expect(await store.recordLaunches([intent('a', t0)])).toEqual([]);
        expect(await store.recordLaunches([{ ...intent('a', t0), epoch: 2, group: 42 }])).toEqual([]);
        const mixed = await store.recordLaunches([
          intent('a', t0),
          intent('a', t0 + 60_000),
          intent('b', t0),
        ]);
        expect(mixed).toEqual([intent('a', t0 + 60_000), intent('b', t0)]);
      });

      it('fences off a stale epoch: a deposed leader launches nothing, nor moves next', async () => {
        await grantEpoch(3);
        expect(await store.recordLaunches([{ ...intent('a', t0), epoch: 2 }])).toEqual([]);
        expect((await store.getJob('a'))?.next).toBe(ZERO_TIME);
        expect((await store.lastLaunches()).size).toBe(0);
        const current = { ...intent('a', t0), epoch: 3 };
        expect(await store.recordLaunches([current, { ...intent('b', t0), epoch: 1 }])).toEqual([current]);
        expect(await store.lastLaunches()).toEqual(new Map([['a', t0]]));
      });

      it('inserts a slot only once within one batch', async () => {
        const inserted = await store.recordLaunches([intent('a', t0), { ...intent('a', t0), epoch: 9 }]);
        expect(inserted).toHaveLength(1);
        expect(inserted[0]?.epoch).toBe(1);
      });

      it("updates the job's next from an inserted intent", async () => {
        await store.recordLaunches([intent('a', t0, t0 + 90_000)]);
        expect(Date.parse((await store.getJob('a'))?.next ?? '')).toBe(t0 + 90_000);
        await store.recordLaunches([intent('b', t0, null)]);
        expect((await store.getJob('b'))?.next).toBe(ZERO_TIME);
      });

      it('releases recorded slots: gone from the ledger, next back to the earliest, recordable again', async () => {
        await store.recordLaunches([intent('a', t0, t0 + 60_000), intent('b', t0, t0 + 60_000)]);
        await store.recordLaunches([intent('a', t0 + 60_000, t0 + 120_000)]);
        await store.releaseLaunches([
          { job: 'a', scheduledAt: t0 + 60_000 },
          { job: 'a', scheduledAt: t0 },
          { job: 'ghost', scheduledAt: t0 },
        ]);
        expect(await store.lastLaunches()).toEqual(new Map([['b', t0]]));
        expect(Date.parse((await store.getJob('a'))?.next ?? '')).toBe(t0);
        expect(Date.parse((await store.getJob('b'))?.next ?? '')).toBe(t0 + 60_000);
        await store.releaseLaunches([{ job: 'a', scheduledAt: t0 }]); // idempotent
        await store.releaseLaunches([]);
        expect(await store.recordLaunches([intent('a', t0, t0 + 60_000)])).toHaveLength(1);
      });

      it('reports the latest slot of every job', async () => {
        await store.recordLaunches([intent('a', t0 + 120_000), intent('a', t0), intent('b', t0 + 60_000)]);
        await store.recordLaunches([intent('a', t0 + 60_000)]);
        expect(await store.lastLaunches()).toEqual(
          new Map([
            ['a', t0 + 120_000],
            ['b', t0 + 60_000],
          ]),
        );
      });
    });

    describe('executions', () => {
      beforeEach(async () => {
        await store.saveJob(contractJob('a'));
        await store.saveJob(contractJob('b'));
      });

      it('stores running executions and reads them back', async () => {
        const e = contractExecution('a', 'n1', '2024-01-01T00:00:00.123456789Z', {
          scheduled_at: '2024-01-01T00:00:00Z',
        });
        await store.startExecutions([e], 100);
        expect(await store.getExecution('a', e.id)).toEqual(e);
        expect(await store.getExecution('a', 'nope')).toBeUndefined();
        expect(await store.getExecution('b', e.id)).toBeUndefined();
        expect(await store.runningExecutions()).toEqual([e]);
        expect(await store.runningExecutions('a')).toEqual([e]);
        expect(await store.runningExecutions('b')).toEqual([]);
      });

      it('is idempotent on id: a repeated start neither duplicates nor reopens', async () => {
        const e = contractExecution('a', 'n1', '2024-01-01T00:00:00Z');
        await store.startExecutions([e], 100);
        await store.startExecutions([e], 100);
        expect((await store.listExecutions('a', {})).total).toBe(1);
        await store.finishExecutions([done(e, 'success', '2024-01-01T00:00:05Z', 'ok')]);
        await store.startExecutions([e], 100);
        expect(await store.getExecution('a', e.id)).toMatchObject({ status: 'success', output: 'ok' });
        expect((await store.getJob('a'))?.success_count).toBe(1);
        expect((await store.getJob('a'))?.status).toBe('success');
      });

      it('shows a job as running while one of its executions runs', async () => {
        const e = contractExecution('a', 'n1', '2024-01-01T00:00:00Z');
        await store.startExecutions([e], 100);
        expect((await store.getJob('a'))?.status).toBe('running');
        expect((await store.listJobs({ status: 'running' })).jobs.map((j) => j.name)).toEqual(['a']);
        expect((await store.getJob('b'))?.status).toBe('');
        await store.finishExecutions([done(e, 'failed', '2024-01-01T00:00:05Z', 'no')]);
        expect((await store.getJob('a'))?.status).toBe('failed');
      });

      it('records executions that ended before their running record: stored, counted once, idempotent', async (ctx) => {
        if (!store.recordFinishedExecutions) return ctx.skip();
        const ok = {
          ...contractExecution('a', 'n1', '2024-03-10T10:00:00Z', { scheduled_at: '2024-03-10T10:00:00Z' }),
          status: 'success' as const,
          success: true,
          finished_at: '2024-03-10T10:00:01Z',
          output: 'done',
        };
        const bad = {
          ...contractExecution('b', 'n1', '2024-03-10T10:00:00Z'),
          status: 'failed' as const,
          finished_at: '2024-03-10T10:00:02Z',
          output: 'boom',
        };
        await store.recordFinishedExecutions([ok, bad], 100);
        await store.recordFinishedExecutions([ok], 100);
        expect(await store.getExecution('a', ok.id)).toEqual(ok);
        expect(await store.getExecution('b', bad.id)).toEqual(bad);
        expect(await store.runningExecutions()).toEqual([]);
        expect(await store.getJob('a')).toMatchObject({
          success_count: 1,
          error_count: 0,
          status: 'success',
          last_success: '2024-03-10T10:00:01Z',
        });
        expect(await store.getJob('b')).toMatchObject({ success_count: 0, error_count: 1, status: 'failed' });
        expect(await store.stats(1, new Date('2024-03-10T12:00:00Z'))).toEqual([
          { date: '2024-03-10T00:00:00Z', success_count: 1, failed_count: 1 },
        ]);
        // A running row of the same id written meanwhile is closed and counted, once.
        const late = contractExecution('a', 'n1', '2024-03-10T10:00:05Z');
        await store.startExecutions([late], 100);
        const ended = {
          ...late,
          status: 'success' as const,
          success: true,
          finished_at: '2024-03-10T10:00:06Z',
        };
        await store.recordFinishedExecutions([ended], 100);
        await store.finishExecutions([done(late, 'success', '2024-03-10T10:00:06Z')]);
        expect(await store.getExecution('a', late.id)).toMatchObject({ status: 'success' });
        expect((await store.getJob('a'))?.success_count).toBe(2);
        // An execution of a job that does not exist is not stored.
        await store.recordFinishedExecutions([{ ...ok, job_name: 'ghost' }], 100);
        expect(await store.getExecution('ghost', ok.id)).toBeUndefined();
      });

      it('finds the launches of which no execution was recorded, within the range asked', async (ctx) => {
        if (!store.launchesWithoutExecutions) return ctx.skip();
        const t0 = Date.UTC(2024, 0, 1);
        const launch = (job: string, at: number): LaunchIntent => ({
          job,
          scheduledAt: at,
          group: at * 1_000_000,
          epoch: 1,
          next: at + 1000,
        });
        await store.recordLaunches([launch('a', t0), launch('b', t0)]);
        await store.recordLaunches([launch('a', t0 + 1000), launch('b', t0 + 1000)]);
        await store.recordLaunches([launch('a', t0 + 2000), launch('a', t0 + 9000)]);
        const ran = contractExecution('a', 'n1', '2024-01-01T00:00:01Z', { group: (t0 + 1000) * 1_000_000 });
        await store.startExecutions([ran], 100);
        // a: t0 and t0+1000 are older than its newest execution; t0+9000 is after `now`. b: none recorded.
        expect(await store.launchesWithoutExecutions(t0, t0 + 5000)).toEqual([
          { job: 'a', scheduledAt: t0 + 2000, group: (t0 + 2000) * 1_000_000 },
          { job: 'b', scheduledAt: t0, group: t0 * 1_000_000 },
          { job: 'b', scheduledAt: t0 + 1000, group: (t0 + 1000) * 1_000_000 },
        ]);
        expect(await store.launchesWithoutExecutions(t0 + 500, t0 + 1500)).toEqual([
          { job: 'b', scheduledAt: t0 + 1000, group: (t0 + 1000) * 1_000_000 },
        ]);
        // Executions a user deleted were recorded: their launches are not reported.
        await store.deleteExecutions('a');
        expect((await store.launchesWithoutExecutions(t0, t0 + 5000)).map((l) => l.job)).toEqual(['b', 'b']);
      });

      it("trims each job's history to the newest `retain` by started_at", async () => {
        const starts = [3, 1, 5, 2, 4].map((s) => `2024-01-01T00:00:0${s}Z`);
        const list = starts.map((s) => contractExecution('a', 'n1', s));
        await store.startExecutions(list.slice(0, 2), 3);
        await store.startExecutions(list.slice(2), 3);
        await store.startExecutions([contractExecution('b', 'n1', '2024-01-01T00:00:00Z')], 3);
        const kept = await store.listExecutions('a', { order: 'ASC' });
        expect(kept.total).toBe(3);
        expect(kept.executions.map((e) => e.started_at)).toEqual([
          '2024-01-01T00:00:03Z',
          '2024-01-01T00:00:04Z',
          '2024-01-01T00:00:05Z',
        ]);
        expect((await store.listExecutions('b', {})).total).toBe(1);
        // Trimming happens on start: a smaller retain applies to the job written.
        await store.startExecutions([contractExecution('a', 'n1', '2024-01-01T00:00:06Z')], 1);
        expect((await store.listExecutions('a', {})).executions.map((e) => e.started_at)).toEqual([
          '2024-01-01T00:00:06Z',
        ]);
      });

      it('with lagTrim keeps the history within a few executions of `retain`, newest kept', async () => {
        const at = (i: number) =>
          new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z');
        for (let i = 0; i < 60; i++) {
          await store.startExecutions([contractExecution('a', 'n1', at(i))], 20, { lagTrim: true });
          const { total } = await store.listExecutions('a', {});
          expect(total).toBeLessThanOrEqual(20 + 10);
        }
        const newest = await store.listExecutions('a', { end: 1 });
        expect(newest.executions[0]?.started_at).toBe(at(59));
        expect((await store.listExecutions('a', {})).total).toBeGreaterThanOrEqual(20);
      });

      it('lists only the newest `retain` executions while a lagging trim has not caught up', async () => {
        const at = (i: number) =>
          new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z');
        // Stored with a larger retention, as a lagging trim leaves them: all nine are still there.
        for (let i = 0; i < 9; i++) await store.startExecutions([contractExecution('a', 'n1', at(i))], 100);
        expect((await store.listExecutions('a', {})).total).toBe(9);
        // A list with retain 5 shows the five a trim keeps, however many the store still has.
        const page = await store.listExecutions('a', { retain: 5 });
        expect(page.total).toBe(5);
        expect(page.executions.map((e) => e.started_at)).toEqual([8, 7, 6, 5, 4].map(at));
        const asc = await store.listExecutions('a', { retain: 5, order: 'ASC', start: 1, end: 3 });
        expect(asc).toMatchObject({ total: 5 });
        expect(asc.executions.map((e) => e.started_at)).toEqual([at(5), at(6)]);
        expect((await store.listExecutions('a', { retain: 50 })).total).toBe(9);
        await expect(store.listExecutions('a', { retain: 0 })).rejects.toMatchObject({ code: 'VALIDATION' });
      });

      it('closes an execution and bumps counters, last times, status and stats', async () => {
        const ok = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        const bad = contractExecution('a', 'n1', '2024-03-10T11:00:00Z');
        await store.startExecutions([ok, bad], 100);
        await store.finishExecutions([done(ok, 'success', '2024-03-10T10:00:02.5Z', 'fine')]);
        expect(await store.getExecution('a', ok.id)).toEqual({
          ...ok,
          status: 'success',
          success: true,
          finished_at: '2024-03-10T10:00:02.5Z',
          output: 'fine',
        });
        expect(await store.getJob('a')).toMatchObject({
          success_count: 1,
          error_count: 0,
          last_success: '2024-03-10T10:00:02.5Z',
          last_error: null,
          status: 'success',
        });
        await store.finishExecutions([done(bad, 'failed', '2024-03-10T11:00:01Z', 'boom')]);
        expect(await store.getExecution('a', bad.id)).toMatchObject({
          status: 'failed',
          success: false,
          output: 'boom',
        });
        expect(await store.getJob('a')).toMatchObject({
          success_count: 1,
          error_count: 1,
          last_success: '2024-03-10T10:00:02.5Z',
          last_error: '2024-03-10T11:00:01Z',
          status: 'failed',
        });
        expect(await store.runningExecutions()).toEqual([]);
        expect(await store.stats(1, new Date('2024-03-10T18:00:00Z'))).toEqual([
          { date: '2024-03-10T00:00:00Z', success_count: 1, failed_count: 1 },
        ]);
      });

      it('counts lost and cancelled executions as errors', async () => {
        const lost = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        const cancelled = contractExecution('a', 'n2', '2024-03-10T10:00:00Z');
        await store.startExecutions([lost, cancelled], 100);
        await store.finishExecutions([
          done(lost, 'lost', '2024-03-10T10:05:00Z'),
          done(cancelled, 'cancelled', '2024-03-10T10:05:00Z'),
        ]);
        expect(await store.getJob('a')).toMatchObject({ error_count: 2, success_count: 0, status: 'failed' });
        expect(await store.getExecution('a', lost.id)).toMatchObject({ status: 'lost', success: false });
      });

      it("replaces a lost record with the node's own late report, counted once, never as a second row", async () => {
        const e = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        await store.startExecutions([e], 100);
        await store.finishExecutions([done(e, 'lost', '2024-03-10T10:00:10Z', 'lost: agent gone')]);
        // Without the flag a completion of a closed execution changes nothing.
        await store.finishExecutions([done(e, 'success', '2024-03-10T10:00:05Z', 'unflagged')]);
        expect(await store.getExecution('a', e.id)).toMatchObject({
          status: 'lost',
          output: 'lost: agent gone',
        });
        const late = { ...done(e, 'success', '2024-03-10T10:00:05Z', 'ran after all'), replacesLost: true };
        await store.finishExecutions([late]);
        await store.finishExecutions([late]);
        expect(await store.getExecution('a', e.id)).toEqual({
          ...e,
          status: 'success',
          success: true,
          finished_at: '2024-03-10T10:00:05Z',
          output: 'ran after all',
        });
        expect((await store.listExecutions('a', {})).total).toBe(1);
        expect(await store.getJob('a')).toMatchObject({
          success_count: 1,
          error_count: 0,
          status: 'success',
        });
        expect(await store.stats(1, new Date('2024-03-10T12:00:00Z'))).toEqual([
          { date: '2024-03-10T00:00:00Z', success_count: 1, failed_count: 0 },
        ]);
        // A flagged report of a run that is no longer lost (replaced already, or never lost) changes nothing.
        await store.finishExecutions([
          { ...done(e, 'failed', '2024-03-10T10:00:07Z', 'again'), replacesLost: true },
        ]);
        expect(await store.getExecution('a', e.id)).toMatchObject({
          status: 'success',
          output: 'ran after all',
        });
      });

      it('applies a completion once: repeats (in one batch or later) change nothing', async () => {
        const e = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        await store.startExecutions([e], 100);
        const completion = done(e, 'success', '2024-03-10T10:00:01Z', 'first');
        await store.finishExecutions([completion, completion]);
        await store.finishExecutions([completion]);
        await store.finishExecutions([done(e, 'failed', '2024-03-10T10:00:09Z', 'late duplicate')]);
        expect(await store.getJob('a')).toMatchObject({
          success_count: 1,
          error_count: 0,
          last_error: null,
          status: 'success',
        });
        expect(await store.getExecution('a', e.id)).toMatchObject({ status: 'success', output: 'first' });
        expect(await store.stats(1, new Date('2024-03-10T12:00:00Z'))).toEqual([
          { date: '2024-03-10T00:00:00Z', success_count: 1, failed_count: 0 },
        ]);
      });

      it('computes the status from the latest attempt of every node in the group', async () => {
        const group = 1_710_064_800_000_000_000;
        const a1 = contractExecution('a', 'n1', '2024-03-10T10:00:00Z', { group, attempt: 1 });
        const b1 = contractExecution('a', 'n2', '2024-03-10T10:00:00Z', { group, attempt: 1 });
        await store.startExecutions([a1, b1], 100);
        await store.finishExecutions([done(b1, 'success', '2024-03-10T10:00:01Z')]);
        expect((await store.getJob('a'))?.status).toBe('running');
        await store.finishExecutions([done(a1, 'failed', '2024-03-10T10:00:02Z')]);
        expect((await store.getJob('a'))?.status).toBe('partially_failed');
        // The retry on n1 succeeds: the trigger is a success.
        const a2 = contractExecution('a', 'n1', '2024-03-10T10:00:05Z', { group, attempt: 2 });
        await store.startExecutions([a2], 100);
        await store.finishExecutions([done(a2, 'success', '2024-03-10T10:00:06Z')]);
        expect(await store.getJob('a')).toMatchObject({
          status: 'success',
          success_count: 2,
          error_count: 1,
        });
        // Another group does not mix in.
        const other = contractExecution('a', 'n1', '2024-03-10T11:00:00Z', {
          group: group + 3_600_000_000_000,
        });
        await store.startExecutions([other], 100);
        await store.finishExecutions([done(other, 'failed', '2024-03-10T11:00:01Z')]);
        expect((await store.getJob('a'))?.status).toBe('failed');
      });

      it('closes executions of several jobs in one batch', async () => {
        const ea = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        const eb = contractExecution('b', 'n1', '2024-03-10T10:00:00Z');
        await store.startExecutions([ea, eb], 100);
        await store.finishExecutions([
          done(ea, 'success', '2024-03-10T10:00:01Z'),
          done(eb, 'failed', '2024-03-10T10:00:01Z'),
        ]);
        expect((await store.getJob('a'))?.success_count).toBe(1);
        expect((await store.getJob('b'))?.error_count).toBe(1);
      });

      it('lists executions by started_at descending by default, with sort, order and slice', async () => {
        const e1 = contractExecution('a', 'n1', '2024-01-01T00:00:01Z', { attempt: 3 });
        const e2 = contractExecution('a', 'n1', '2024-01-01T00:00:02Z', { attempt: 1 });
        const e3 = contractExecution('a', 'n2', '2024-01-01T00:00:03Z', { attempt: 2 });
        await store.startExecutions([e2, e3, e1], 100);
        await store.finishExecutions([
          done(e1, 'success', '2024-01-01T00:00:09Z'),
          done(e2, 'success', '2024-01-01T00:00:04Z'),
          done(e3, 'success', '2024-01-01T00:00:05Z'),
        ]);
        const ids = async (q: Parameters<Store['listExecutions']>[1]) =>
          (await store.listExecutions('a', q)).executions.map((e) => e.id);
        expect(await ids({})).toEqual([e3.id, e2.id, e1.id]);
        expect(await ids({ order: 'ASC' })).toEqual([e1.id, e2.id, e3.id]);
        expect(await ids({ sort: 'finished_at' })).toEqual([e1.id, e3.id, e2.id]);
        expect(await ids({ sort: 'attempt', order: 'ASC' })).toEqual([e2.id, e3.id, e1.id]);
        expect(await ids({ start: 1, end: 2 })).toEqual([e2.id]);
        expect((await store.listExecutions('a', { start: 1, end: 2 })).total).toBe(3);
        expect(await store.listExecutions('ghost', {})).toEqual({ executions: [], total: 0 });
      });

      it('cuts outputs to their last bytes when outputSizeLimit is set (Dkron api_test)', async () => {
        const long = `${'x'.repeat(1505)}${'y'.repeat(200)}`;
        const e1 = contractExecution('a', 'n1', '2024-01-01T00:00:01Z');
        const e2 = contractExecution('a', 'n1', '2024-01-01T00:00:02Z');
        await store.startExecutions([e1, e2], 100);
        await store.finishExecutions([
          done(e1, 'success', '2024-01-01T00:00:03Z', long),
          done(e2, 'success', '2024-01-01T00:00:04Z', 'test'),
        ]);
        const full = (await store.listExecutions('a', { order: 'ASC' })).executions;
        expect(full.map((e) => e.output.length)).toEqual([1705, 4]);
        expect(full.map((e) => e.output_truncated ?? false)).toEqual([false, false]);
        const cut = (await store.listExecutions('a', { order: 'ASC', outputSizeLimit: 200 })).executions;
        expect(cut.map((e) => e.output)).toEqual(['y'.repeat(200), 'test']);
        expect(cut.map((e) => e.output_truncated)).toEqual([true, false]);
        expect((await store.getExecution('a', e1.id))?.output).toBe(long);
      });

      it('cuts multi-byte output to at most the limit in bytes, keeping valid text', async () => {
        const text = 'aé€😀'.repeat(50);
        const e = contractExecution('a', 'n1', '2024-01-01T00:00:01Z');
        await store.startExecutions([e], 100);
        await store.finishExecutions([done(e, 'success', '2024-01-01T00:00:02Z', text)]);
        for (const limit of [0, 1, 5, 6, 7, 99]) {
          const [cut] = (await store.listExecutions('a', { outputSizeLimit: limit })).executions;
          const bytes = Buffer.byteLength(cut?.output ?? '');
          expect(bytes, `limit ${limit}`).toBeLessThanOrEqual(limit);
          expect(bytes, `limit ${limit}`).toBeGreaterThan(limit - 4);
          expect(text.endsWith(cut?.output ?? 'nope'), `limit ${limit}`).toBe(true);
          expect(cut?.output_truncated).toBe(true);
        }
      });

      it('lists running executions oldest first, across jobs or for one job', async () => {
        const late = contractExecution('a', 'n1', '2024-01-01T00:00:09Z');
        const early = contractExecution('b', 'n1', '2024-01-01T00:00:01Z');
        const finished = contractExecution('a', 'n2', '2024-01-01T00:00:00Z');
        await store.startExecutions([late, early, finished], 100);
        await store.finishExecutions([done(finished, 'success', '2024-01-01T00:00:02Z')]);
        expect((await store.runningExecutions()).map((e) => e.id)).toEqual([early.id, late.id]);
        expect((await store.runningExecutions('a')).map((e) => e.id)).toEqual([late.id]);
      });

      it('deletes executions and resets counters and last times, keeping status and stats', async () => {
        const e = contractExecution('a', 'n1', '2024-03-10T10:00:00Z');
        await store.startExecutions([e], 100);
        await store.finishExecutions([done(e, 'success', '2024-03-10T10:00:01Z')]);
        const job = await store.deleteExecutions('a');
        expect(job).toMatchObject({
          name: 'a',
          success_count: 0,
          error_count: 0,
          last_success: null,
          last_error: null,
          status: 'success',
        });
        expect(await store.getJob('a')).toEqual(job);
        expect(await store.listExecutions('a', {})).toEqual({ executions: [], total: 0 });
        expect((await store.stats(1, new Date('2024-03-10T12:00:00Z')))[0]?.success_count).toBe(1);
        expect(isDkronError(await rejection(store.deleteExecutions('ghost')), 'NOT_FOUND')).toBe(true);
      });
    });

    describe('stats', () => {
      it('zero-fills the last N days, oldest first, ending today UTC', async () => {
        const now = new Date('2024-03-10T00:30:00Z');
        const stats = await store.stats(3, now);
        expect(stats).toEqual([
          { date: '2024-03-08T00:00:00Z', success_count: 0, failed_count: 0 },
          { date: '2024-03-09T00:00:00Z', success_count: 0, failed_count: 0 },
          { date: '2024-03-10T00:00:00Z', success_count: 0, failed_count: 0 },
        ]);
        expect(await store.stats(30, now)).toHaveLength(30);
      });

      it("counts each execution on its finished_at's UTC day, every node and attempt", async () => {
        await store.saveJob(contractJob('a'));
        const day1 = contractExecution('a', 'n1', '2024-03-08T23:59:00Z');
        const day2a = contractExecution('a', 'n1', '2024-03-09T00:00:00Z');
        const day2b = contractExecution('a', 'n2', '2024-03-09T00:00:00Z');
        const retry = contractExecution('a', 'n2', '2024-03-09T00:01:00Z', {
          attempt: 2,
          group: day2b.group,
        });
        await store.startExecutions([day1, day2a, day2b, retry], 100);
        await store.finishExecutions([
          // Finishes after midnight: counts on the 9th.
          done(day1, 'success', '2024-03-09T00:00:30Z'),
          done(day2a, 'failed', '2024-03-09T10:00:00Z'),
          done(day2b, 'failed', '2024-03-09T23:59:59.999Z'),
          done(retry, 'success', '2024-03-10T00:00:00Z'),
        ]);
        expect(await store.stats(3, new Date('2024-03-10T23:59:59Z'))).toEqual([
          { date: '2024-03-08T00:00:00Z', success_count: 0, failed_count: 0 },
          { date: '2024-03-09T00:00:00Z', success_count: 1, failed_count: 2 },
          { date: '2024-03-10T00:00:00Z', success_count: 1, failed_count: 0 },
        ]);
        const older = await store.stats(5, new Date(Date.parse('2024-03-10T12:00:00Z') + 2 * DAY));
        expect(older.map((d) => d.success_count)).toEqual([0, 1, 1, 0, 0]);
      });
    });

    it('closes', async () => {
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
