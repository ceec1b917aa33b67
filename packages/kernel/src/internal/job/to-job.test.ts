import { type DkronError, isDkronError, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { toJob } from './to-job.js';

function bindError(input: unknown): { message: string; field: unknown } {
  try {
    toJob(input);
  } catch (error) {
    if (!isDkronError(error, 'VALIDATION')) throw error;
    return { message: error.message, field: error.details.field };
  }
  throw new Error('expected toJob to throw');
}

describe('toJob defaults', () => {
  it("fills Dkron's and dkron-core's defaults", () => {
    const job: Job = toJob({ name: 'a', schedule: '@daily' });
    expect(job).toEqual({
      id: 'a',
      name: 'a',
      displayname: '',
      timezone: '',
      schedule: '@daily',
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
      executor: '',
      executor_config: null,
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
    });
  });

  it('treats null like an absent field (Go binding)', () => {
    const job = toJob({
      name: 'a',
      concurrency: null,
      tags: null,
      processors: null,
      retries: null,
      disabled: null,
      catchup_window: null,
      notify: null,
    });
    expect(job.concurrency).toBe('allow');
    expect(job.tags).toBeNull();
    expect(job.processors).toEqual({});
    expect(job.retries).toBe(0);
    expect(job.disabled).toBe(false);
    expect(job.catchup_window).toBe('60s');
  });

  it('sets id from name whatever is posted, and ignores a posted next and unknown fields', () => {
    const job = toJob({ name: 'a', id: 'other', next: '2030-01-01T00:00:00Z', command: 'legacy', extra: 1 });
    expect(job.id).toBe('a');
    expect(job.next).toBe(ZERO_TIME);
    expect(job).not.toHaveProperty('command');
    expect(job).not.toHaveProperty('extra');
  });

  it('binds every writable field', () => {
    const job = toJob({
      name: 'full',
      displayname: 'Full',
      timezone: 'Europe/Paris',
      schedule: '0 0 * * * *',
      owner: 'o',
      owner_email: 'o@example.com',
      success_count: 3,
      error_count: 2,
      last_success: '2024-01-01T01:00:00+01:00',
      last_error: '2024-01-01T00:00:00.5Z',
      disabled: true,
      tags: { role: 'web:2' },
      metadata: { team: 'x' },
      retries: 5,
      dependent_jobs: ['c'],
      parent_job: 'p',
      processors: { log: { forward: 'true' }, files: null, syslog: { forward: true, port: 514 } },
      concurrency: 'forbid',
      executor: 'shell',
      executor_config: { command: 'echo', timeout: 30, shell: true, args: ['a'], env: { A: '1' }, x: null },
      status: 'success',
      ephemeral: true,
      starts_at: '2024-01-01T00:00',
      expires_at: '2025-01-01T00:00:00Z',
      catchup_window: '0',
      retry_backoff: '5s',
      retry_backoff_max: '1m',
      notify: { on: 'always', webhook: 'https://h.example/x', email: ['a@b.c'], ignored: 1 },
      missed_count: 7,
    });
    expect(job).toMatchObject({
      last_success: '2024-01-01T00:00:00Z',
      last_error: '2024-01-01T00:00:00.5Z',
      // Values as sent, as in executor_config: the processor's schema converts them.
      processors: { log: { forward: 'true' }, files: {}, syslog: { forward: true, port: 514 } },
      executor_config: { command: 'echo', timeout: 30, shell: true, args: ['a'], env: { A: '1' }, x: null },
      starts_at: '2024-01-01T00:00:00Z',
      catchup_window: '0',
      notify: { on: 'always', webhook: 'https://h.example/x', email: ['a@b.c'] },
      status: 'success',
      missed_count: 7,
      dependent_jobs: ['c'],
      concurrency: 'forbid',
    });
    expect(job.notify).not.toHaveProperty('ignored');
  });

  it('binds an unknown concurrency string as is (validateJob refuses it later)', () => {
    expect(toJob({ name: 'a', concurrency: 'sometimes' }).concurrency).toBe('sometimes');
  });

  it('reads an empty string time as null', () => {
    expect(toJob({ name: 'a', starts_at: '' }).starts_at).toBeNull();
  });

  it('keeps a __proto__ key as a plain key', () => {
    const job = toJob(
      JSON.parse('{"name":"a","tags":{"__proto__":"x"},"processors":{"__proto__":{"a":"b"}}}'),
    );
    expect(Object.getPrototypeOf(job.tags)).toBe(Object.prototype);
    expect(Object.keys(job.tags ?? {})).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(job.processors)).toBe(Object.prototype);
  });

  it('copies executor_config so the input can change afterwards', () => {
    const input = { name: 'a', executor_config: { command: 'x' } };
    const job = toJob(input);
    input.executor_config.command = 'y';
    expect(job.executor_config).toEqual({ command: 'x' });
  });
});

describe('toJob type errors name the field', () => {
  it.each([
    [null, 'body: expected a JSON object', 'body'],
    [[], 'body: expected a JSON object', 'body'],
    ['job', 'body: expected a JSON object', 'body'],
    [{ name: 5 }, 'name: expected a string, got 5', 'name'],
    [{ schedule: ['x'] }, 'schedule: expected a string, got ["x"]', 'schedule'],
    [{ retries: 'abc' }, 'retries: expected a non-negative integer, got "abc"', 'retries'],
    [{ retries: -1 }, 'retries: expected a non-negative integer, got -1', 'retries'],
    [{ retries: 1.5 }, 'retries: expected a non-negative integer, got 1.5', 'retries'],
    [{ success_count: '3' }, 'success_count: expected a non-negative integer, got "3"', 'success_count'],
    [{ disabled: 'true' }, 'disabled: expected a boolean, got "true"', 'disabled'],
    [{ ephemeral: 1 }, 'ephemeral: expected a boolean, got 1', 'ephemeral'],
    [{ tags: 'role=web' }, 'tags: expected an object of strings, got "role=web"', 'tags'],
    [{ tags: { region: 5 } }, 'tags.region: expected a string, got 5', 'tags.region'],
    [{ metadata: { on: true } }, 'metadata.on: expected a string, got true', 'metadata.on'],
    [{ processors: [] }, 'processors: expected an object of processor configs, got []', 'processors'],
    [{ processors: { log: 'yes' } }, 'processors.log: expected an object, got "yes"', 'processors.log'],
    [{ processors: { log: [true] } }, 'processors.log: expected an object, got [true]', 'processors.log'],
    [{ executor_config: 'x' }, 'executor_config: expected an object, got "x"', 'executor_config'],
    [{ executor_config: [1] }, 'executor_config: expected an object, got [1]', 'executor_config'],
    [{ dependent_jobs: 'a' }, 'dependent_jobs: expected a list of job names, got "a"', 'dependent_jobs'],
    [{ dependent_jobs: ['a', 1] }, 'dependent_jobs[1]: expected a string, got 1', 'dependent_jobs[1]'],
    [
      { status: 'great' },
      'status: expected one of "", "success", "failed", "partially_failed", "running", got "great"',
      'status',
    ],
    [
      { starts_at: 'tomorrow' },
      'starts_at: expected an RFC 3339 time like "2006-01-02T15:04:05Z" or null, got "tomorrow"',
      'starts_at',
    ],
    [
      { last_success: 12 },
      'last_success: expected an RFC 3339 time like "2006-01-02T15:04:05Z" or null, got 12',
      'last_success',
    ],
    [{ catchup_window: 60 }, 'catchup_window: expected a string, got 60', 'catchup_window'],
    [{ notify: 'x' }, 'notify: expected an object, got "x"', 'notify'],
    [{ notify: { on: 1 } }, 'notify.on: expected a string, got 1', 'notify.on'],
    [{ notify: { webhook: {} } }, 'notify.webhook: expected a string, got {}', 'notify.webhook'],
    [
      { notify: { email: ['a@b.c', 2] } },
      'notify.email: expected an address or a list of addresses, got ["a@b.c",2]',
      'notify.email',
    ],
    [{ missed_count: -3 }, 'missed_count: expected a non-negative integer, got -3', 'missed_count'],
  ])('%j → %s', (input, message, field) => {
    expect(bindError(input)).toEqual({ message, field });
  });

  it('shortens a long offending value', () => {
    const { message } = bindError({ name: ['x'.repeat(500)] });
    expect(message.length).toBeLessThan(120);
    expect(message.endsWith('...')).toBe(true);
  });
});

describe('toJob refuses deep nesting instead of overflowing the stack later', () => {
  const nested = (depth: number, leaf: unknown = 1): unknown => {
    let value = leaf;
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it('accepts 32 levels (the body is level 1) and refuses 33', () => {
    expect(() => toJob({ name: 'j', executor_config: { a: nested(30) } })).not.toThrow();
    expect(() => toJob({ name: 'j', executor_config: { a: nested(31) } })).toThrow(
      'executor_config: nested deeper than 32 levels',
    );
  });

  it('refuses 10,000 nested arrays in any field and 6,000 nested objects in executor_config', () => {
    const deepObject = JSON.parse(`${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`);
    const deepArray = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    for (const [field, value] of [
      ['executor_config', deepObject],
      ['tags', deepArray],
      ['metadata', deepArray],
      ['processors', { log: deepArray }],
      ['dependent_jobs', deepArray],
      ['unknown_field', deepArray],
    ] as const) {
      let error: unknown;
      try {
        toJob({ name: 'j', [field]: value });
      } catch (e) {
        error = e;
      }
      expect(isDkronError(error, 'VALIDATION'), field).toBe(true);
      expect((error as DkronError).message).toBe(`${field}: nested deeper than 32 levels`);
      expect((error as DkronError).details.field).toBe(field);
    }
  });
});
