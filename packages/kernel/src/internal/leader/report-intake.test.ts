import type { Execution, Logger } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { createFakeClock, silentLogger, T0 } from '../agent/test-kit.js';
import { toJob } from '../job/index.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createLaunchLedger } from './launch-ledger.js';
import { createReportIntake } from './report-intake.js';
import { UnwrittenRecords } from './unwritten-records.js';

const RUNNING: Execution = {
  id: '1764590000000000000-agent1',
  job_name: 'remote',
  group: 1_764_590_000_000_000_000,
  attempt: 1,
  node_name: 'agent1',
  started_at: '2026-12-01T12:00:00Z',
  finished_at: '0001-01-01T00:00:00Z',
  scheduled_at: null,
  status: 'running',
  success: false,
  output: '',
};

const ended = (status: Execution['status'], output: string, fields: Partial<Execution> = {}): Execution => ({
  ...RUNNING,
  status,
  success: status === 'success',
  finished_at: '2026-12-01T12:00:07Z',
  output,
  ...fields,
});

/** An intake over a memory store holding job `remote` and its running execution on agent1, as a new leader sees it. */
async function setup() {
  const store = createMemoryStore();
  const clock = createFakeClock(T0);
  await store.saveJob(toJob({ name: 'remote', executor: 'shell', executor_config: { command: 'true' } }));
  await store.startExecutions([RUNNING], 100);
  const warnings: { message: string; fields: unknown }[] = [];
  const logger: Logger = { ...silentLogger, warn: (message, fields) => warnings.push({ message, fields }) };
  const ledger = createLaunchLedger(store, 100, logger, clock);
  const unwritten = new UnwrittenRecords({ store, clock, logger, retain: 100 });
  const intake = createReportIntake({
    ledger,
    logger,
    unwritten,
    lookup: (job, id) => store.getExecution(job, id),
  });
  return { store, intake, ledger, warnings };
}

describe('the report intake and late reports', () => {
  it("replaces the lost record with the agent's own late end: same id, one row, counted once", async () => {
    const { store, intake, ledger } = await setup();
    await intake.finished({ execution: ended('lost', 'execution lost: agent agent1 sent no heartbeat\n') });
    await ledger.drain();
    expect(await store.getExecution('remote', RUNNING.id)).toMatchObject({ status: 'lost' });
    await intake.finished({ execution: ended('success', 'done after all\n') });
    await ledger.drain();
    // Repeated (the agent resends until acknowledged): nothing changes twice.
    await intake.finished({ execution: ended('success', 'done after all\n') });
    await intake.finished({ execution: ended('lost', 'lost again\n') });
    await ledger.drain();
    const { executions, total } = await store.listExecutions('remote', {});
    expect(total).toBe(1);
    expect(executions[0]).toMatchObject({ id: RUNNING.id, status: 'success', output: 'done after all\n' });
    expect(await store.getJob('remote')).toMatchObject({
      success_count: 1,
      error_count: 0,
      status: 'success',
    });
  });

  it('replaces a lost record another process wrote (a failover), read from the store', async () => {
    const { store, intake, ledger } = await setup();
    await store.finishExecutions([
      {
        jobName: 'remote',
        executionId: RUNNING.id,
        status: 'lost',
        finishedAt: '2026-12-01T12:00:10Z',
        output: 'lost\n',
      },
    ]);
    await intake.finished({ execution: ended('failed', 'exit status 3\n') });
    await ledger.drain();
    expect(await store.getExecution('remote', RUNNING.id)).toMatchObject({
      status: 'failed',
      output: 'exit status 3\n',
    });
    expect(await store.getJob('remote')).toMatchObject({ success_count: 0, error_count: 1 });
  });

  it('refuses and logs the end of an execution never launched, or launched on another node', async () => {
    const { store, intake, ledger, warnings } = await setup();
    await intake.finished({ execution: ended('success', 'forged\n', { id: '1-agent1' }) });
    await intake.finished({ execution: ended('success', 'not mine\n', { node_name: 'agent2' }) });
    await ledger.drain();
    expect(warnings.map((w) => w.fields)).toEqual([
      {
        job: 'remote',
        execution: '1-agent1',
        node: 'agent1',
        reason: 'no such execution is stored (never launched, or its job was deleted)',
      },
      { job: 'remote', execution: RUNNING.id, node: 'agent2', reason: 'it was launched on agent1' },
    ]);
    const { executions, total } = await store.listExecutions('remote', {});
    expect(total).toBe(1);
    expect(executions[0]).toMatchObject({ id: RUNNING.id, status: 'running' });
  });
});
