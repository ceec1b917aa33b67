import { toJob } from '@dkron-core/kernel';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { ZERO_TIME } from '@dkron-core/plugin-api';

/** A complete job as the API would hand it to the store. */
export function makeJob(name: string, overrides: Partial<Job> = {}): Job {
  return {
    // The kernel's defaults of a job posted with no field, plus what these tests need.
    ...toJob({}),
    id: name,
    name,
    schedule: '@every 1m',
    executor: 'shell',
    executor_config: { command: 'echo hi' },
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
