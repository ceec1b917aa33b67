import { DkronError, isDkronError, type Job } from '@dkron-core/plugin-api';
import { describe, expect, it, vi } from 'vitest';
import { toJob } from './to-job.js';
import { type ValidateJobOptions, validateJob, validationMessage } from './validate-job.js';

const base = { name: 'job', schedule: '@every 1m', executor: 'shell', executor_config: { command: 'true' } };
const job = (overrides: Record<string, unknown> = {}): Job => toJob({ ...base, ...overrides });

function failure(j: Job, options?: ValidateJobOptions): { code: string; message: string; field: unknown } {
  try {
    validateJob(j, options);
  } catch (error) {
    if (!isDkronError(error)) throw error;
    return { code: error.code, message: error.message, field: error.details.field };
  }
  throw new Error('expected validateJob to throw');
}

describe('validationMessage', () => {
  it("wraps a reason in Dkron's 400 text", () => {
    expect(validationMessage('name cannot be empty')).toBe('Job validation failed: name cannot be empty.');
  });
});

describe("validateJob: Dkron's rules and messages", () => {
  it('accepts a valid job', () => {
    expect(() => validateJob(job())).not.toThrow();
  });

  it('refuses an empty name, even with a parent', () => {
    expect(failure(job({ name: '' }))).toEqual({
      code: 'VALIDATION',
      message: 'name cannot be empty',
      field: 'name',
    });
    expect(failure(job({ name: '', parent_job: 'p', schedule: '' })).message).toBe('name cannot be empty');
  });

  it('names the first illegal character', () => {
    expect(failure(job({ name: 'BAD JOB NAME!' })).message).toBe("name contains illegal character 'B'");
    expect(failure(job({ name: 'bad job' })).message).toBe("name contains illegal character ' '");
    expect(failure(job({ name: 'a.b' })).message).toBe("name contains illegal character '.'");
    expect(failure(job({ name: 'x😀' })).message).toBe("name contains illegal character '😀'");
  });

  it('accepts Unicode lowercase letters, digits, - and _', () => {
    for (const name of ['ß', 'ñ', 'ë', 'ä', 'ï', 'ü', 'ø', 'á', 'é', 'job-1_b', 'σ', 'ж']) {
      expect(() => validateJob(job({ name })), name).not.toThrow();
    }
  });

  it('refuses itself as parent', () => {
    expect(failure(job({ parent_job: 'job' }))).toEqual({
      code: 'VALIDATION',
      message: 'the job can not have itself as parent',
      field: 'parent_job',
    });
  });

  it('refuses a bad schedule with the parser message', () => {
    const f = failure(job({ schedule: '@at badtime' }));
    expect(f.field).toBe('schedule');
    expect(f.code).toBe('VALIDATION');
    expect(f.message.startsWith("can't parse job schedule: ")).toBe(true);
    expect(f.message.length).toBeGreaterThan("can't parse job schedule: ".length);
    expect(failure(job({ schedule: '* * *' })).message.startsWith("can't parse job schedule: ")).toBe(true);
  });

  it("refuses an empty schedule without parent with Dkron's text", () => {
    expect(failure(job({ schedule: '' })).message).toBe("can't parse job schedule: empty spec string");
  });

  it('lets a child have no schedule, but a written one must parse', () => {
    expect(() => validateJob(job({ schedule: '', parent_job: 'p' }))).not.toThrow();
    expect(failure(job({ schedule: 'nonsense', parent_job: 'p' })).field).toBe('schedule');
  });

  it('substitutes ~ from the job name before parsing', () => {
    expect(() => validateJob(job({ name: 'test_job', schedule: '0 0 ~ * * *' }))).not.toThrow();
  });

  it('checks concurrency values, accepting our replace and the empty string', () => {
    for (const concurrency of ['allow', 'forbid', 'replace', '']) {
      expect(() => validateJob(job({ concurrency }))).not.toThrow();
    }
    expect(failure(job({ concurrency: 'badvalue' }))).toEqual({
      code: 'VALIDATION',
      message: 'invalid concurrency policy value, use "allow", "forbid" or "replace"',
      field: 'concurrency',
    });
  });

  it('refuses an unknown time zone', () => {
    expect(failure(job({ timezone: 'notatimezone' }))).toEqual({
      code: 'VALIDATION',
      message: 'unknown time zone notatimezone',
      field: 'timezone',
    });
    expect(() => validateJob(job({ timezone: 'America/New_York' }))).not.toThrow();
  });

  it('checks the shell timeout as a Go duration', () => {
    expect(failure(job({ executor_config: { command: 'x', timeout: 'foreverandever' } }))).toEqual({
      code: 'VALIDATION',
      message: 'Error parsing job timeout value',
      field: 'executor_config.timeout',
    });
    expect(failure(job({ executor_config: { command: 'x', timeout: '30' } })).message).toBe(
      'Error parsing job timeout value',
    );
    expect(failure(job({ executor_config: { timeout: ['1s'] } })).message).toBe(
      'Error parsing job timeout value',
    );
    for (const timeout of ['30s', '1h30m', '0', '', null]) {
      expect(
        () => validateJob(job({ executor_config: { command: 'x', timeout } })),
        String(timeout),
      ).not.toThrow();
    }
  });

  it('checks the shell mem_limit with details', () => {
    const mem = (mem_limit: unknown) => failure(job({ executor_config: { command: 'x', mem_limit } }));
    expect(mem('0')).toEqual({
      code: 'VALIDATION',
      message: 'Error parsing job memory limit value: memory limit must be greater than 0',
      field: 'executor_config.mem_limit',
    });
    expect(mem('lots').message).toBe(
      'Error parsing job memory limit value: invalid memory limit format: lots',
    );
    expect(mem('1PB').message).toBe(
      'Error parsing job memory limit value: unsupported memory unit: PB (supported: B, KB, MB, GB, TB)',
    );
    expect(() => validateJob(job({ executor_config: { mem_limit: '512MB' } }))).not.toThrow();
    expect(() => validateJob(job({ executor_config: { mem_limit: 1024 } }))).not.toThrow();
  });

  it('does not check timeout and mem_limit of other executors (Dkron)', () => {
    expect(() =>
      validateJob(job({ executor: 'http', executor_config: { timeout: 'forever', mem_limit: 'x' } })),
    ).not.toThrow();
  });

  it("applies Dkron's order: the first failing rule wins", () => {
    const all = { name: 'Bad', schedule: 'nope', concurrency: 'x', timezone: 'nowhere' };
    expect(failure(job(all)).field).toBe('name');
    expect(failure(job({ ...all, name: 'ok' })).field).toBe('schedule');
    expect(failure(job({ ...all, name: 'ok', schedule: '@daily' })).field).toBe('concurrency');
    expect(failure(job({ ...all, name: 'ok', schedule: '@daily', concurrency: 'allow' })).field).toBe(
      'timezone',
    );
  });

  it('reports an unknown zone by the timezone rule even with a cron schedule', () => {
    expect(failure(job({ schedule: '0 0 * * * *', timezone: 'Mars/Olympus' })).message).toBe(
      'unknown time zone Mars/Olympus',
    );
  });
});

describe('validateJob: dkron-core extensions', () => {
  it.each(['catchup_window', 'retry_backoff', 'retry_backoff_max'])(
    'checks %s as a Go duration >= 0',
    (field) => {
      expect(() => validateJob(job({ [field]: '90s' }))).not.toThrow();
      expect(() => validateJob(job({ [field]: '0' }))).not.toThrow();
      const bad = failure(job({ [field]: '5 minutes' }));
      expect(bad.field).toBe(field);
      expect(bad.message.startsWith(`${field}: `)).toBe(true);
      expect(failure(job({ [field]: '-1s' })).message).toBe(`${field}: must not be negative, got "-1s"`);
    },
  );

  it('accepts empty backoff fields (Dkron formula, no cap)', () => {
    expect(() => validateJob(job({ retry_backoff: '', retry_backoff_max: '' }))).not.toThrow();
  });

  it('requires starts_at before expires_at when both are set', () => {
    expect(() =>
      validateJob(job({ starts_at: '2024-01-01T00:00:00Z', expires_at: '2024-01-02T00:00:00Z' })),
    ).not.toThrow();
    expect(() => validateJob(job({ starts_at: '2024-01-01T00:00:00Z' }))).not.toThrow();
    expect(failure(job({ starts_at: '2024-01-02T00:00:00Z', expires_at: '2024-01-01T00:00:00Z' }))).toEqual({
      code: 'VALIDATION',
      message: 'expires_at must be later than starts_at',
      field: 'expires_at',
    });
    expect(
      failure(job({ starts_at: '2024-01-01T00:00:00Z', expires_at: '2024-01-01T01:00:00+01:00' })).field,
    ).toBe('expires_at');
  });

  it('checks notify', () => {
    expect(() =>
      validateJob(
        job({
          notify: {
            on: 'failure',
            webhook: 'http://hooks.local:8080/x',
            email: ['a@b.example', 'ops@localhost'],
          },
        }),
      ),
    ).not.toThrow();
    expect(failure(job({ notify: { on: 'sometimes' } }))).toEqual({
      code: 'VALIDATION',
      message: 'notify.on: expected one of "failure", "success", "always", got "sometimes"',
      field: 'notify.on',
    });
    expect(failure(job({ notify: { webhook: 'ftp://x.example' } })).message).toBe(
      'notify.webhook: expected an http or https URL, got "ftp://x.example"',
    );
    expect(failure(job({ notify: { webhook: 'not a url' } })).field).toBe('notify.webhook');
    expect(failure(job({ notify: { email: 'bob' } }))).toEqual({
      code: 'VALIDATION',
      message: 'notify.email: expected an email address, got "bob"',
      field: 'notify.email',
    });
    expect(failure(job({ notify: { email: ['a@b.c', 'x y@z.c'] } })).field).toBe('notify.email[1]');
  });
});

describe('validateJob: executor and processor schemas', () => {
  it('calls the callbacks last and lets their errors through', () => {
    const validateExecutorConfig = vi.fn(() => {
      throw new DkronError('CONFIG_INVALID', 'executor_config.command: is required', {
        details: { field: 'executor_config.command' },
      });
    });
    const validateProcessors = vi.fn();
    const f = failure(job({ processors: { log: {} } }), { validateExecutorConfig, validateProcessors });
    expect(f).toEqual({
      code: 'CONFIG_INVALID',
      message: 'executor_config.command: is required',
      field: 'executor_config.command',
    });
    expect(validateExecutorConfig).toHaveBeenCalledWith('shell', { command: 'true' });
    expect(validateProcessors).not.toHaveBeenCalled();
  });

  it('calls validateProcessors with the processors', () => {
    const validateProcessors = vi.fn();
    validateJob(job({ processors: { log: { forward: 'true' } } }), {
      validateExecutorConfig: () => {},
      validateProcessors,
    });
    expect(validateProcessors).toHaveBeenCalledWith({ log: { forward: 'true' } });
  });

  it('does not call the callbacks when a Dkron rule fails', () => {
    const validateExecutorConfig = vi.fn();
    failure(job({ name: '' }), { validateExecutorConfig });
    expect(validateExecutorConfig).not.toHaveBeenCalled();
  });
});

describe('validateJob: what could only fail later is refused at save', () => {
  const shell = (config: Record<string, unknown>) => job({ executor_config: config });

  it('refuses names longer than 255 characters (counted in characters, not UTF-16 units)', () => {
    expect(() => validateJob(job({ name: 'a'.repeat(255) }))).not.toThrow();
    expect(() => validateJob(job({ name: 'ж'.repeat(255) }))).not.toThrow();
    expect(failure(job({ name: 'a'.repeat(256) }))).toEqual({
      code: 'VALIDATION',
      message: 'name is 256 characters long; at most 255 are allowed',
      field: 'name',
    });
  });

  it('refuses more than 100 retries', () => {
    expect(() => validateJob(job({ retries: 100 }))).not.toThrow();
    expect(failure(job({ retries: 101 }))).toEqual({
      code: 'VALIDATION',
      message: 'retries: at most 100, got 101',
      field: 'retries',
    });
    expect(failure(job({ retries: 2 ** 40 })).field).toBe('retries');
  });

  it('refuses a tag count that is not a positive integer', () => {
    for (const value of ['web:1', 'web:+2', 'web:30', 'web', 'host:80:2']) {
      expect(() => validateJob(job({ tags: { role: value } })), value).not.toThrow();
    }
    for (const value of ['web:0', 'web:-1', 'web:', 'web:many', 'web:1.5', 'web: 2']) {
      const f = failure(job({ tags: { role: value } }));
      expect(f.field, value).toBe('tags.role');
      expect(f.message, value).toMatch(/^tags\.role: the count after ":" must be a positive integer, got "/);
    }
  });

  it('refuses NUL bytes in command, cwd and env', () => {
    for (const key of ['command', 'cwd', 'env']) {
      const f = failure(shell({ command: 'true', [key]: 'a\u0000b' }));
      expect(f).toEqual({
        code: 'VALIDATION',
        message: `executor_config.${key}: must not contain NUL bytes`,
        field: `executor_config.${key}`,
      });
    }
    // Another executor's config is its own business.
    expect(() =>
      validateJob(job({ executor: 'http', executor_config: { url: 'x', command: 'a\u0000' } })),
    ).not.toThrow();
  });

  it('refuses an unquoted ; | & < > in a command without shell', () => {
    for (const [command, op] of [
      ['echo a; rm -rf /tmp/x', ';'],
      ['ls | wc -l', '|'],
      ['sleep 1 &', '&'],
      ['echo a > /tmp/f', '>'],
      ['sort < f', '<'],
      ['echo "a" ;b', ';'],
    ] as const) {
      expect(failure(shell({ command }))).toEqual({
        code: 'VALIDATION',
        message: `executor_config.command: "${op}" in the command needs a shell; set "shell": "true" or quote it`,
        field: 'executor_config.command',
      });
    }
  });

  it('accepts operators that are quoted or escaped, and any operator with shell', () => {
    for (const command of [
      "echo 'a; b'",
      'echo "a | b"',
      'echo a\\;b',
      'echo "say \\"x\\" & y"',
      "printf '%s>' x",
      'echo "it\'s; fine"',
    ]) {
      expect(() => validateJob(shell({ command })), command).not.toThrow();
    }
    for (const flag of [true, 'true', 'TRUE', '1', 't']) {
      expect(() =>
        validateJob(shell({ command: 'ls | wc -l > /tmp/x; echo $?', shell: flag })),
      ).not.toThrow();
    }
    expect(failure(shell({ command: 'ls | wc', shell: 'false' })).field).toBe('executor_config.command');
  });

  it('refuses unterminated quotes and a trailing lone backslash without shell', () => {
    expect(failure(shell({ command: "echo 'a" })).message).toBe(
      'executor_config.command: unterminated single quote in the command',
    );
    expect(failure(shell({ command: 'echo "a' })).message).toBe(
      'executor_config.command: unterminated double quote in the command',
    );
    expect(failure(shell({ command: 'echo a\\' })).message).toBe(
      'executor_config.command: the command ends with a lone backslash',
    );
    expect(() => validateJob(shell({ command: 'echo a\\', shell: true }))).not.toThrow();
  });

  it("runs after Dkron's own rules", () => {
    expect(failure(job({ name: 'A'.repeat(300) })).message).toBe("name contains illegal character 'A'");
    expect(failure(job({ retries: 500, concurrency: 'x' })).field).toBe('concurrency');
  });
});
