import { defaultJob, type Execution, type Job } from '@dkron-core/plugin-api';

/** A complete job as the host would pass it, with `overrides` applied. Defaults: a `shell` job named `test-job`. */
export function createTestJob(overrides: Partial<Job> = {}): Job {
  return {
    ...defaultJob(overrides.name ?? 'test-job'),
    schedule: '@manually',
    executor: 'shell',
    ...overrides,
  };
}

/** A complete execution record (status `running` unless overridden) of `job`. */
export function createTestExecution(
  overrides: Partial<Execution> = {},
  job: Pick<Job, 'name'> = createTestJob(),
): Execution {
  const startedAt = new Date('2024-01-02T03:04:05.000Z');
  const nanos = BigInt(startedAt.getTime()) * 1_000_000n;
  return {
    id: `${nanos}-test-node`,
    job_name: job.name,
    started_at: startedAt.toISOString(),
    finished_at: '0001-01-01T00:00:00Z',
    success: false,
    output: '',
    node_name: 'test-node',
    group: Number(nanos),
    attempt: 1,
    status: 'running',
    scheduled_at: null,
    ...overrides,
  };
}
