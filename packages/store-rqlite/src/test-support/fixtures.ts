import type { Execution, Job } from '@dkron-core/plugin-api';
import { ZERO_TIME } from '@dkron-core/plugin-api';

/** A complete job as the API would hand it to the store. */
export function makeJob(name: string, overrides: Partial<Job> = {}): Job {
  return {
    id: name,
    name,
    displayname: '',
    timezone: '',
    schedule: '@every 1m',
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
    executor_config: { command: 'echo hi' },
    status: '',
    next: ZERO_TIME,
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

/** A running execution of `job` on `node`, started at `startedAt`. */
export function makeExecution(
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
