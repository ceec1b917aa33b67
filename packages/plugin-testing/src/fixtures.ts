import type { Execution, Job } from '@dkron-core/plugin-api';

/** A complete job as the host would pass it, with `overrides` applied. Defaults: a `shell` job named `test-job`. */
export function createTestJob(overrides: Partial<Job> = {}): Job {
  const name = overrides.name ?? 'test-job';
  return {
    id: name,
    name,
    displayname: '',
    timezone: '',
    schedule: '@manually',
    owner: '',
    owner_email: '',
    success_count: 0,
    error_count: 0,
    last_success: null,
    last_error: null,
    disabled: false,
    tags: null,
    metadata: null,
    retries: 0,
    dependent_jobs: null,
    parent_job: '',
    processors: {},
    concurrency: 'allow',
    executor: 'shell',
    executor_config: {},
    status: '',
    next: '0001-01-01T00:00:00Z',
    ephemeral: false,
    starts_at: null,
    expires_at: null,
    catchup_window: '60s',
    retry_backoff: '',
    retry_backoff_max: '',
    notify: null,
    missed_count: 0,
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
