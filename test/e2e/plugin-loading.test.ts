/**
 * Plugins in a real server: every built-in listed by GET /v1/plugins and refusing bad configs with a
 * 400 naming the key; the executor template (examples/executor-template, built here with its own
 * build) installed through `plugins:` by a path relative to the config file, through DKRON_PLUGINS and
 * through --plugin; and a job whose executor is missing after a restart.
 */

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDkronStrings, type FormSchema, formValue } from '../fixtures/plugin-forms.js';
import { type Api, api, startAgent, waitFor } from './helpers/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATE = join(ROOT, 'examples/executor-template');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const ZERO_TIME = '0001-01-01T00:00:00Z';

let service: Server;
let serviceAddress: string;
let dir: string;

beforeAll(async () => {
  // The template's own build, as its author runs it (npm run build).
  execFileSync(process.execPath, [TSC, '-p', join(TEMPLATE, 'tsconfig.json')], { stdio: 'pipe' });
  service = createServer((socket) => socket.on('data', () => socket.write('+PONG\r\n')));
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceAddress = `127.0.0.1:${(service.address() as { port: number }).port}`;
  dir = await mkdtemp(join(tmpdir(), 'dkron-e2e-plugins-'));
});

afterAll(async () => {
  await new Promise((resolve) => service?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function finishedRun(client: Api, name: string): Promise<Execution> {
  const run = await client.jobs.run(name);
  expect(run.status, run.text).toBe(200);
  return waitFor(
    async () =>
      (await client.jobs.executions(name)).body.find(
        (e) => e.finished_at !== ZERO_TIME && e.status !== 'running',
      ),
    { timeoutMs: 20_000, message: `a finished execution of ${name}` },
  );
}

const tcpJob = (name: string) => ({
  name,
  schedule: '@manually',
  executor: 'tcp-check',
  executor_config: { address: serviceAddress, send: 'PING', expect: 'PONG' },
});

describe('a server with the template installed through plugins: by a relative path', () => {
  let client: Api;
  let logs: () => string;

  beforeAll(async () => {
    // The config file's directory holds the plugin under ./plugins, as an operator would lay it out.
    const configDir = join(dir, 'etc');
    await mkdir(join(configDir, 'plugins'), { recursive: true });
    await symlink(TEMPLATE, join(configDir, 'plugins', 'tcp-check'));
    const configPath = join(configDir, 'dkron.json');
    await writeFile(
      configPath,
      JSON.stringify({ plugins: [{ name: './plugins/tcp-check', options: { maxAnswerBytes: 64 } }] }),
    );
    const agent = await startAgent({ args: ['--config', configPath] });
    client = api(agent.baseUrl);
    logs = agent.logs;
  });

  it('lists every built-in and the template in GET /v1/plugins, with their schemas', async () => {
    const res = await client.get<{
      executors: Array<{ name: string; plugin: string; config: unknown }>;
      processors: Array<{ name: string }>;
    }>('/v1/plugins');
    expect(res.status).toBe(200);
    expect(res.body.executors.map((e) => e.name)).toEqual([
      'gcppubsub',
      'grpc',
      'http',
      'kafka',
      'nats',
      'rabbitmq',
      'shell',
      'tcp-check',
    ]);
    expect(res.body.processors.map((p) => p.name)).toEqual(['files', 'fluent', 'log', 'syslog']);
    expect(res.body.executors.find((e) => e.name === 'tcp-check')).toMatchObject({
      plugin: 'dkron-executor-tcp-check',
      config: { type: 'object', required: ['address'] },
    });
    expect(logs()).toContain('plugin loaded');
  });

  it('saves the form generated from each published schema, natively and as Dkron strings', async () => {
    const res = await client.get<{
      executors: Array<{ name: string; config: FormSchema }>;
      processors: Array<{ name: string; config: FormSchema }>;
    }>('/v1/plugins');
    const forms: Array<{ label: string; job: Record<string, unknown>; sent: Record<string, unknown> }> = [];
    for (const e of res.body.executors.filter((x) => x.name !== 'tcp-check')) {
      for (const [how, config] of [
        ['native', formValue(e.name, e.config)],
        ['strings', asDkronStrings(formValue(e.name, e.config))],
      ] as const) {
        forms.push({
          label: `${e.name} ${how}`,
          sent: config,
          job: { executor: e.name, executor_config: config },
        });
      }
    }
    for (const p of res.body.processors) {
      for (const [how, config] of [
        ['native', formValue(p.name, p.config)],
        ['strings', asDkronStrings(formValue(p.name, p.config))],
      ] as const) {
        forms.push({
          label: `${p.name} ${how}`,
          sent: config,
          job: { executor: 'shell', executor_config: { command: 'true' }, processors: { [p.name]: config } },
        });
      }
    }
    expect(forms).toHaveLength(2 * (7 + 4));
    for (const [i, form] of forms.entries()) {
      const name = `form-${i}`;
      const saved = await client.jobs.save({ name, schedule: '@manually', disabled: true, ...form.job });
      expect(saved.status, `${form.label}: ${saved.text}`).toBe(201);
      const stored = (await client.jobs.get(name)).body;
      // Stored as sent: the schema converts at every run, and the job reads back as the user wrote it.
      if ('processors' in form.job)
        expect(Object.values(stored.processors)[0], form.label).toEqual(form.sent);
      else expect(stored.executor_config, form.label).toEqual(form.sent);
      expect((await client.jobs.delete(name)).status).toBe(200);
    }
  });

  it('runs a job with the template executor', async () => {
    expect((await client.jobs.save(tcpJob('tcp-ok'))).status).toBe(201);
    const execution = await finishedRun(client, 'tcp-ok');
    expect(execution).toMatchObject({ status: 'success', success: true });
    expect(execution.output).toMatch(new RegExp(`^connected to ${serviceAddress} in \\d+ ms\\n\\+PONG`));
  });

  it.each([
    ['nats', { url: 'nats://127.0.0.1:4222' }, 'executor_config.subject: is required (a string)'],
    ['rabbitmq', { url: 'amqp://127.0.0.1/' }, 'executor_config.queue.name: is required (a string)'],
    [
      'nats',
      { url: 'nats://x:1', subject: 's', timeout: 'soon' },
      'executor_config.timeout: expected a duration',
    ],
    ['tcp-check', { address: 'nope' }, 'executor_config.address: expected a value matching'],
  ])('refuses a bad %s config at save with a 400 naming the key', async (executor, config, message) => {
    const res = await client.jobs.save({
      name: `bad-${executor}`,
      schedule: '@manually',
      executor,
      executor_config: config,
    });
    expect(res.status).toBe(400);
    expect((res.body as unknown as { message: string }).message).toContain(message);
  });

  it.each([
    ['files', { forward: 'maybe' }, 'processors.files.forward: expected a boolean, got "maybe"'],
    ['syslog', { target: 'http://x' }, 'processors.syslog.target: expected a value matching'],
    ['fluent', { forward: 'nope' }, 'processors.fluent.forward: expected a boolean'],
  ])(
    'refuses a bad %s processor config at save with a 400 naming the key',
    async (processor, config, message) => {
      const res = await client.jobs.save({
        ...tcpJob(`bad-${processor}`),
        processors: { [processor]: config },
      });
      expect(res.status).toBe(400);
      expect(res.body as unknown as { message: string; field: string }).toMatchObject({
        message: expect.stringContaining(message),
        field: message.split(':')[0],
      });
    },
  );

  it('runs processors in the listed order and keeps the output when one fails', async () => {
    const logDir = join(dir, 'job-logs');
    await mkdir(join(logDir, 'ordered'), { recursive: true });
    const saved = await client.jobs.save({
      ...tcpJob('ordered'),
      processors: {
        // files fails: a directory where the log file belongs (the job's dir is a file).
        files: { log_dir: join(dir, 'not-a-dir-parent'), forward: 'true' },
        log: { forward: 'true' },
      },
    });
    expect(saved.status, saved.text).toBe(201);
    await writeFile(join(dir, 'not-a-dir-parent'), 'a file, not a directory');
    const execution = await finishedRun(client, 'ordered');
    expect(execution.status).toBe('success');
    expect(execution.output).toContain('+PONG');
    expect(execution.output).toMatch(/processor "files" failed, output kept: /);
    expect(logs()).toContain('----- BEGIN OUTPUT job=ordered');
  });
});

describe('plugins from DKRON_PLUGINS and --plugin', () => {
  it('loads the template named by DKRON_PLUGINS (was silently ignored)', async () => {
    const agent = await startAgent({ env: { DKRON_PLUGINS: TEMPLATE } });
    const res = await api(agent.baseUrl).get<{ executors: Array<{ name: string }> }>('/v1/plugins');
    expect(res.body.executors.map((e) => e.name)).toContain('tcp-check');
    await agent.stop();
  });

  it('loads it from --plugin, and after a restart without it warns and fails runs saying how to load it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-plugins-data-'));
    try {
      const first = await startAgent({ dataDir, args: ['--plugin', TEMPLATE] });
      const client = api(first.baseUrl);
      expect((await client.jobs.save(tcpJob('needs-tcp'))).status).toBe(201);
      expect((await finishedRun(client, 'needs-tcp')).status).toBe('success');
      await first.stop();

      // Same node and store addresses, as a restarted node has.
      const second = await startAgent({
        dataDir,
        nodeName: first.nodeName,
        args: [
          '--rpc-port',
          String(first.ports.rpc),
          '--rqlite-http-port',
          String(first.ports.rqliteHttp),
          '--rqlite-raft-port',
          String(first.ports.rqliteRaft),
        ],
      });
      const warnings = second
        .logs()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: string; msg: string; executor?: string })
        .filter((line) => line.level === 'warn' && line.executor === 'tcp-check');
      expect(warnings.map((w) => w.msg)).toEqual([
        expect.stringMatching(
          /^executor "tcp-check" is not loaded: job needs-tcp will fail until it is; install the package/,
        ),
      ]);
      const again = api(second.baseUrl);
      const run = await again.jobs.run('needs-tcp');
      expect(run.status, run.text).toBe(200);
      const failed = await waitFor(
        async () => (await again.jobs.executions('needs-tcp')).body.find((e) => e.status === 'failed'),
        { timeoutMs: 20_000, message: 'the failed run' },
      );
      expect(failed.output).toMatch(
        /^executor "tcp-check" is not loaded on node e2e-\d+ \(loaded executors: gcppubsub, grpc, http, kafka, nats, rabbitmq, shell\); install the package that provides it .* in DKRON_PLUGINS or with --plugin, then restart the agent\n$/,
      );
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
