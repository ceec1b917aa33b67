import type { Execution, Job } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Member } from '../../ports/agent.js';
import type { Cluster, LeadershipChange } from '../../ports/cluster.js';
import type { Dispatcher, DispatchHandle, DispatchRun } from '../../ports/dispatcher.js';
import type { Store } from '../../ports/store.js';
import { createFakeClock, type FakeClock, silentLogger } from '../agent/test-kit.js';
import { toJob } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { createLaunchLedger, START_HOLD_MS } from './launch-ledger.js';
import { PREPARE_LEAD_MS } from './launch-planner.js';
import { createLeaderTerm, type LeaderTerm } from './leader.js';
import { createReportIntake, type ReportIntake } from './report-intake.js';
import { UnwrittenRecords } from './unwritten-records.js';

const T0 = Date.parse('2026-11-21T12:00:00.000Z');
const NODES = ['n1', 'n2', 'n3'];

/** A cluster of three alive nodes whose leadership the test moves. */
function fakeCluster(): Cluster & { epochNow: number } {
  const member = (name: string): Member => ({
    Name: name,
    Addr: '127.0.0.1',
    Port: 8946,
    Tags: {},
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  });
  const cluster = {
    epochNow: 1,
    members: () => NODES.map(member),
    candidates: () => NODES.map((name) => ({ name, tags: { node: name }, alive: true })),
    leader: () => member('n1'),
    isLeader: () => true,
    epoch: () => cluster.epochNow,
    self: () => member('n1'),
    onLeadershipChange: (_listener: (change: LeadershipChange) => void) => () => {},
  };
  return cluster;
}

/** Records dispatches; refuses the runs `refuse` picks. Runs end only when the test reports them. */
class FakeDispatcher implements Dispatcher {
  readonly runs: DispatchRun[] = [];
  readonly aborted: string[] = [];
  constructor(private readonly refuse: (run: DispatchRun) => boolean = () => false) {}
  dispatch(runs: readonly DispatchRun[]): DispatchHandle[] {
    return runs.map((run) => {
      if (this.refuse(run)) return { accepted: false, reason: 'node is draining', abort() {} };
      this.runs.push(run);
      return { accepted: true, abort: () => this.aborted.push(run.execution.id) };
    });
  }
}

interface Term {
  term: LeaderTerm;
  intake: ReportIntake;
}

const terms: LeaderTerm[] = [];
afterEach(async () => {
  for (const t of terms.splice(0)) await t.stop();
});

/** A new leadership term over `store`, as a new leader process would start one. */
async function startTerm(
  store: Store,
  clock: FakeClock,
  cluster: Cluster,
  dispatcher: Dispatcher,
): Promise<Term> {
  const ledger = createLaunchLedger(store, 100, silentLogger, clock);
  const unwritten = new UnwrittenRecords({ store, clock, logger: silentLogger, retain: 100 });
  const intake = createReportIntake({ ledger, logger: silentLogger, unwritten });
  const term = createLeaderTerm({
    store,
    registry: createPluginRegistry({ nodeName: 'n1', logger: silentLogger }),
    logger: silentLogger,
    clock,
    cluster,
    dispatcher,
    ledger,
    intake,
    epoch: cluster.epoch(),
    random: () => 0,
    notifier: undefined,
    defaultTimezone: 'UTC',
    leadMs: 800,
    catchupMs: 60_000,
  });
  terms.push(term);
  await term.start(true);
  return { term, intake };
}

/** Ends the term as a lost leadership does; the next epoch starts. */
async function loseLeadership(t: Term, cluster: Cluster & { epochNow: number }): Promise<void> {
  await t.term.stop();
  terms.splice(terms.indexOf(t.term), 1);
  cluster.epochNow++;
}

function finished(run: DispatchRun, ok: boolean, at: number): Execution {
  return {
    ...run.execution,
    status: ok ? 'success' : 'failed',
    success: ok,
    finished_at: new Date(at).toISOString(),
    output: ok ? 'ok\n' : 'boom\n',
  };
}

async function saveJob(store: Store, term: LeaderTerm, fields: Record<string, unknown>): Promise<Job> {
  // One target per run: jobs without tags would run on every node.
  const job = toJob({
    executor: 'shell',
    executor_config: { command: 'true' },
    tags: { node: 'n1' },
    ...fields,
  });
  const stored = await store.saveJob(job);
  term.saved(stored);
  return stored;
}

async function allExecutions(store: Store, names: readonly string[]): Promise<Execution[]> {
  const pages = await Promise.all(names.map((n) => store.listExecutions(n, { order: 'ASC' })));
  return pages.flatMap((p) => p.executions);
}

describe('leader role over a fake dispatcher and fake reports', () => {
  it('records each of 1,000 slots once across replays, a refusal and a leadership change', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const cluster = fakeCluster();
    // job-7 runs on n2, which refuses its runs; the others spread over the three nodes.
    const dispatcher = new FakeDispatcher(
      (run) => run.execution.node_name === 'n2' && run.job.name === 'job-7',
    );
    let t = await startTerm(store, clock, cluster, dispatcher);
    const names = Array.from({ length: 100 }, (_, i) => `job-${i}`);
    for (const [i, name] of names.entries()) {
      await saveJob(store, t.term, {
        name,
        schedule: '@every 1s',
        tags: { node: i === 7 ? 'n2' : NODES[i % 3] },
      });
    }
    /** The result each execution gets: odd jobs fail. */
    const expected = new Map<string, 'success' | 'failed'>();
    let reported = 0;
    /** Reports every dispatched run twice, newest first; `keep` runs are left for later. */
    const reportAll = async (to: ReportIntake, keep = 0) => {
      const batch = dispatcher.runs.slice(reported, dispatcher.runs.length - keep).reverse();
      reported += batch.length;
      for (const run of batch) {
        const ok = Number(run.job.name.slice(4)) % 2 === 0;
        expected.set(run.execution.id, ok ? 'success' : 'failed');
        const report = finished(run, ok, clock.now());
        await Promise.all([to.finished({ execution: report }), to.finished({ execution: report })]);
      }
    };
    for (let s = 0; s < 5; s++) {
      await clock.advance(1000);
      await reportAll(t.intake, s === 4 ? 50 : 0);
    }
    const beforeChange = dispatcher.runs.slice(reported);
    await loseLeadership(t, cluster);
    t = await startTerm(store, clock, cluster, dispatcher);
    // Late reports of the old term's runs reach the new leader, twice, plus a replay of old ones.
    await reportAll(t.intake);
    for (const run of dispatcher.runs.slice(0, 20)) {
      await t.intake.finished({ execution: finished(run, true, clock.now()) });
    }
    expect(beforeChange.length).toBe(50);
    for (let s = 0; s < 5; s++) {
      await clock.advance(1000);
      await reportAll(t.intake);
    }
    await t.term.stop();
    await clock.advance(0);

    const executions = await allExecutions(store, names);
    expect(executions.length).toBe(1000);
    const slots = new Set(executions.map((e) => `${e.job_name}@${e.scheduled_at}`));
    expect(slots.size).toBe(1000);
    for (const e of executions) {
      if (e.job_name === 'job-7') {
        expect(e.status).toBe('failed');
        expect(e.output).toContain('dispatch refused: node is draining');
      } else {
        expect(e.status).toBe(expected.get(e.id));
      }
    }
    const job0 = await store.getJob('job-0');
    expect(job0?.success_count).toBe(10);
    expect((await store.getJob('job-1'))?.error_count).toBe(10);
  });

  it('makes a retry left pending by the previous leader, from the store', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const cluster = fakeCluster();
    const dispatcher = new FakeDispatcher();
    let t = await startTerm(store, clock, cluster, dispatcher);
    await saveJob(store, t.term, { name: 'flaky', schedule: '@every 1m', retries: 2, retry_backoff: '10s' });
    await clock.advance(60_000);
    expect(dispatcher.runs.length).toBe(1);
    const first = dispatcher.runs[0] as DispatchRun;
    await t.intake.finished({ execution: finished(first, false, clock.now()) });
    await clock.advance(3_000);
    await loseLeadership(t, cluster);
    await clock.advance(3_000);
    t = await startTerm(store, clock, cluster, dispatcher);
    await clock.advance(3_000);
    expect(dispatcher.runs.length).toBe(1);
    // Ten seconds after the failure, the new leader makes attempt 2 of the same trigger.
    await clock.advance(1_500);
    expect(dispatcher.runs.length).toBe(2);
    const retry = (dispatcher.runs[1] as DispatchRun).execution;
    expect(retry.attempt).toBe(2);
    expect(retry.group).toBe(first.execution.group);
    expect(retry.scheduled_at).toBe(first.execution.scheduled_at);
    await t.intake.finished({ execution: finished(dispatcher.runs[1] as DispatchRun, true, clock.now()) });
    const executions = await allExecutions(store, ['flaky']);
    expect(executions.map((e) => [e.attempt, e.status])).toEqual([
      [1, 'failed'],
      [2, 'success'],
    ]);
  });

  it('respects forbid across a leadership change, from the stored running execution', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const cluster = fakeCluster();
    const dispatcher = new FakeDispatcher();
    let t = await startTerm(store, clock, cluster, dispatcher);
    await saveJob(store, t.term, { name: 'single', schedule: '@every 1s', concurrency: 'forbid' });
    await clock.advance(1000);
    expect(dispatcher.runs.length).toBe(1);
    await clock.advance(2000);
    expect(dispatcher.runs.length).toBe(1);
    await loseLeadership(t, cluster);
    t = await startTerm(store, clock, cluster, dispatcher);
    await clock.advance(3000);
    // Still running on its node: the new leader does not start a second one.
    expect(dispatcher.runs.length).toBe(1);
    await t.intake.finished({ execution: finished(dispatcher.runs[0] as DispatchRun, true, clock.now()) });
    await clock.advance(1000);
    expect(dispatcher.runs.length).toBe(2);
    // Its running record is written once it ran START_HOLD_MS without ending.
    await clock.advance(START_HOLD_MS);
    const executions = await allExecutions(store, ['single']);
    expect(executions.map((e) => e.status)).toEqual(['success', 'running']);
  });
});

describe('runs made ready ahead', () => {
  it('prepares a slot PREPARE_LEAD_MS before it (not when its launch is recorded) and dispatches that run', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const cluster = fakeCluster();
    const prepared: { at: number; keys: string[] }[] = [];
    const dispatcher = new FakeDispatcher();
    const preparing: Dispatcher = {
      dispatch: (runs) => dispatcher.dispatch(runs),
      prepare: (runs) => prepared.push({ at: clock.now(), keys: runs.map((r) => r.key) }),
    };
    const t = await startTerm(store, clock, cluster, preparing);
    await saveJob(store, t.term, { name: 'ahead', schedule: '@every 1s' });
    // The launch of T0+1s is recorded 800 ms ahead; nothing is prepared then.
    await clock.advance(300);
    expect(await store.lastLaunches()).toEqual(new Map([['ahead', T0 + 1000]]));
    expect(prepared).toEqual([]);
    await clock.advance(700);
    expect(prepared.map((p) => p.at)).toEqual([T0 + 1000 - PREPARE_LEAD_MS]);
    expect(dispatcher.runs.map((r) => r.readyKey)).toEqual(prepared[0]?.keys);
  });

  it('prepares nothing for a slot whose term stopped before its preparation time', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const cluster = fakeCluster();
    const prepared: number[] = [];
    const dispatcher = new FakeDispatcher();
    const t = await startTerm(store, clock, cluster, {
      dispatch: (runs) => dispatcher.dispatch(runs),
      prepare: () => prepared.push(clock.now()),
    });
    await saveJob(store, t.term, { name: 'stopped', schedule: '@every 1s' });
    await clock.advance(300);
    await t.term.stop();
    await clock.advance(2000);
    expect(prepared).toEqual([]);
    expect(dispatcher.runs).toEqual([]);
  });
});

describe('slots whose tags match no member', () => {
  function settlingCluster() {
    const base = fakeCluster();
    const state = { settling: true, extra: [] as string[] };
    const cluster = {
      ...base,
      epoch: () => base.epochNow,
      candidates: () => [
        ...base.candidates(),
        ...state.extra.map((name) => ({ name, tags: { node: name }, alive: true })),
      ],
      placementSettling: () => state.settling,
    };
    return { cluster, state };
  }

  it('wait for a member while the cluster settles: the latest slot runs on it, an older one is missed', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const { cluster, state } = settlingCluster();
    const dispatcher = new FakeDispatcher();
    const t = await startTerm(store, clock, cluster, dispatcher);
    await saveJob(store, t.term, { name: 'on-agent', schedule: '@every 1s', tags: { node: 'a1' } });
    await clock.advance(2000);
    // Two slots passed with no member: nothing ran, nothing failed.
    expect(dispatcher.runs).toEqual([]);
    expect(await allExecutions(store, ['on-agent'])).toEqual([]);
    state.extra.push('a1');
    await clock.advance(300);
    expect(dispatcher.runs.map((r) => [r.execution.node_name, r.execution.scheduled_at])).toEqual([
      ['a1', '2026-11-21T12:00:02Z'],
    ]);
    expect((await store.getJob('on-agent'))?.missed_count).toBeGreaterThanOrEqual(1);
  });

  it('fail at once as no targets when the cluster does not settle', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const { cluster, state } = settlingCluster();
    state.settling = false;
    const dispatcher = new FakeDispatcher();
    const t = await startTerm(store, clock, cluster, dispatcher);
    await saveJob(store, t.term, { name: 'nowhere', schedule: '@every 1s', tags: { node: 'a9' } });
    await clock.advance(1000);
    await clock.advance(0);
    const [failed] = await allExecutions(store, ['nowhere']);
    expect(failed?.status).toBe('failed');
    expect(failed?.output).toContain('no target nodes found to run job nowhere');
    expect(dispatcher.runs).toEqual([]);
  });

  it('are failed as no targets once the cluster settled without a member for them', async () => {
    const store = createMemoryStore();
    const clock = createFakeClock(T0);
    const { cluster, state } = settlingCluster();
    const dispatcher = new FakeDispatcher();
    const t = await startTerm(store, clock, cluster, dispatcher);
    await saveJob(store, t.term, { name: 'later', schedule: '@every 10s', tags: { node: 'a9' } });
    await clock.advance(10_000);
    expect(await allExecutions(store, ['later'])).toEqual([]);
    state.settling = false;
    await clock.advance(300);
    await clock.advance(0);
    const executions = await allExecutions(store, ['later']);
    expect(executions.map((e) => [e.status, e.scheduled_at])).toEqual([['failed', '2026-11-21T12:00:10Z']]);
  });
});
