/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:…}` and `${file:…}` are the reference syntax. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellExecutor } from '@dkron-core/executor-shell';
import { createPluginRegistry, type Notifier, runExecution, toJob } from '@dkron-core/kernel';
import { type Execution, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultAgentConfig } from '../config/agent-config.js';
import {
  processSecretSource,
  resolveSecretOptions,
  withNotifySecrets,
  withSecretReferences,
} from './secrets.js';

const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
let dir: string;
let secretFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-secrets-'));
  secretFile = join(dir, 'hook-token');
  await writeFile(secretFile, 'from-file\n', { mode: 0o600 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function execution(job: string): Execution {
  return {
    id: `1-n-${job}`,
    job_name: job,
    started_at: new Date().toISOString(),
    finished_at: ZERO_TIME,
    success: false,
    output: '',
    node_name: 'n',
    group: 1,
    attempt: 1,
    status: 'running',
    scheduled_at: null,
  };
}

async function run(job: Job, env: Record<string, string>) {
  const registry = createPluginRegistry({ nodeName: 'n', logger });
  await registry.register(withSecretReferences(shellExecutor({ env: {} }), processSecretSource(env)));
  return runExecution({ registry, job, logger, reportingNode: 'n', execution: execution(job.name) });
}

describe('secret references at run time', () => {
  it('reach the executor resolved, from the environment and from files', async () => {
    const job = {
      ...toJob({}),
      id: 'j',
      name: 'j',
      executor: 'shell',
      executor_config: {
        command: 'printf "%s|%s" "$DB_PASS" "$HOOK"',
        shell: 'true',
        env: `DB_PASS=\${env:JOB_DB_PASS},HOOK=\${file:${secretFile}}`,
      },
    };
    const outcome = await run(job, { JOB_DB_PASS: 's3cret' });
    expect(outcome).toMatchObject({ status: 'success', output: 's3cret|from-file' });
    // What the job says stays the reference.
    expect(job.executor_config.env).toContain('${env:JOB_DB_PASS}');
  });

  it('fail the execution naming the field when a reference cannot be resolved', async () => {
    const job = {
      ...toJob({}),
      id: 'k',
      name: 'k',
      executor: 'shell',
      executor_config: { command: 'true', env: 'X=${env:NOT_SET_ANYWHERE}' },
    };
    const outcome = await run(job, {});
    expect(outcome.status).toBe('failed');
    expect(outcome.output).toContain(
      'executor_config.env: secret reference env:NOT_SET_ANYWHERE: the variable NOT_SET_ANYWHERE is not set on this node',
    );
  });

  it('call the executor in the same turn when its config holds no reference, and after resolving when it does', async () => {
    const calls: unknown[] = [];
    let execute: ((request: never, context: never) => Promise<unknown>) | undefined;
    const plugin = withSecretReferences(
      {
        name: 'probe',
        apiVersion: 1,
        setup(host) {
          host.executor({
            name: 'probe',
            description: 'records its configs',
            config: {} as never,
            async execute(request) {
              calls.push(request.config);
              return { success: true };
            },
          });
        },
      },
      processSecretSource({ TOKEN: 't0k' }),
    );
    plugin.setup({
      apiVersion: 1,
      nodeName: 'n',
      logger,
      executor: (definition: { execute: unknown }) => {
        execute = definition.execute as typeof execute;
      },
      processor() {},
      on() {},
    } as never);
    const plain = execute?.({ config: { url: 'http://x', n: 1, list: ['a'] } } as never, {} as never);
    // No turn of the event loop: a slot's executors all start inside the scheduler's one loop.
    expect(calls).toEqual([{ url: 'http://x', n: 1, list: ['a'] }]);
    await plain;
    const secret = execute?.({ config: { headers: ['Authorization: ${env:TOKEN}'] } } as never, {} as never);
    expect(calls).toHaveLength(1);
    await secret;
    expect(calls[1]).toEqual({ headers: ['Authorization: t0k'] });
  });

  it('resolve the agent`s secret options at start, and only those', async () => {
    const config = {
      ...defaultAgentConfig('h'),
      mailPassword: 'env:SMTP_PASS',
      webhookHeaders: ['Authorization: Bearer ${file:' + secretFile + '}', 'X-Plain: 1'],
      nodeName: 'env:NOT_A_SECRET_OPTION',
    };
    const resolved = await resolveSecretOptions(config, processSecretSource({ SMTP_PASS: 'pw' }));
    expect(resolved).toMatchObject({
      mailPassword: 'pw',
      webhookHeaders: ['Authorization: Bearer from-file', 'X-Plain: 1'],
      nodeName: 'env:NOT_A_SECRET_OPTION',
    });
    await expect(
      resolveSecretOptions({ ...config, mailPassword: 'env:NOPE' }, processSecretSource({})),
    ).rejects.toThrow('mail-password: secret reference env:NOPE: the variable NOPE is not set on this node');
  });

  it('resolve a job`s notify.webhook for the notifier, and skip the notification when they cannot', async () => {
    const seen: (string | undefined)[] = [];
    const notifier: Notifier = {
      started: async (job) => void seen.push(job.notify?.webhook),
      finished: async (job) => void seen.push(job.notify?.webhook),
    };
    const wrapped = withNotifySecrets(notifier, processSecretSource({ HOOK_PW: 'pw' }), logger);
    const job = {
      ...toJob({}),
      id: 'n',
      name: 'n',
      notify: { webhook: 'https://bot:${env:HOOK_PW}@hooks.example/x' },
    };
    await wrapped.finished(job, execution('n'));
    await wrapped.started({ ...job, notify: null }, execution('n'));
    await wrapped.finished({ ...job, notify: { webhook: 'env:MISSING' } }, execution('n'));
    expect(seen).toEqual(['https://bot:pw@hooks.example/x', undefined]);
    expect(logger.error).toHaveBeenCalledWith('notification skipped', expect.objectContaining({ job: 'n' }));
  });
});
