/** Jobs, executions and a recording logger for the notify tests. */

import { toJob } from '@dkron-core/kernel';
import type { Execution, Job, LogFields, Logger } from '@dkron-core/plugin-api';

/** A job named `backup` with Dkron's defaults (the kernel's `toJob`); `overrides` replace fields. */
export function job(overrides: Partial<Job> = {}): Job {
  return {
    ...toJob({
      name: 'backup',
      schedule: '@every 1m',
      owner: 'ops',
      executor: 'shell',
      executor_config: { command: 'echo hi' },
    }),
    ...overrides,
    ...(overrides.name !== undefined && overrides.id === undefined ? { id: overrides.name } : {}),
  };
}

/** A finished execution of `backup` on `node-a`; `overrides` replace fields. */
export function execution(overrides: Partial<Execution> = {}): Execution {
  const status = overrides.status ?? 'success';
  return {
    id: '1714557600000000000-node-a',
    job_name: 'backup',
    started_at: '2024-05-01T10:00:00.123456789Z',
    finished_at: '2024-05-01T10:00:05Z',
    success: status === 'success',
    output: 'all good\n',
    node_name: 'node-a',
    group: 1714557600000000000,
    attempt: 1,
    status,
    scheduled_at: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

/** One log line. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** A logger that keeps its lines. */
export function recordingLogger(): Logger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
