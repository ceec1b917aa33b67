import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createPluginRegistry, type PluginRegistry, toJob } from '@dkron-core/kernel';
import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createStatsdSink, MAX_PACKET_BYTES, parseHostPort, type StatsdSinkOptions } from './statsd.js';

// --- a real UDP receiver -------------------------------------------------------------------------

interface Receiver {
  readonly port: number;
  readonly datagrams: string[];
  lines(): string[];
  /** Resolves once at least `count` lines have arrived. */
  untilLines(count: number): Promise<string[]>;
  close(): Promise<void>;
}

const opened: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function receiver(host = '127.0.0.1'): Promise<Receiver> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const datagrams: string[] = [];
  let waiters: Array<() => void> = [];
  socket.on('message', (message) => {
    datagrams.push(message.toString('utf8'));
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
    return closed;
  };
  opened.push(close);
  const lines = () => datagrams.flatMap((d) => d.split('\n'));
  return {
    port: (socket.address() as AddressInfo).port,
    datagrams,
    lines,
    async untilLines(count) {
      while (lines().length < count) await new Promise<void>((wake) => waiters.push(wake));
      return lines();
    },
    close,
  };
}

async function canBind(host: string): Promise<boolean> {
  try {
    const rx = await receiver(host);
    await rx.close();
    return true;
  } catch {
    return false;
  }
}

const ipv6 = await canBind('::1');

// --- fixtures ------------------------------------------------------------------------------------

interface LogLine {
  level: keyof Logger;
  message: string;
  fields?: Readonly<Record<string, unknown>>;
}

function recordingLogger(): { logger: Logger; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      logs.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return { logs, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

function job(name: string): Job {
  return toJob({ name, schedule: '@every 1m', executor: 'shell' });
}

const STARTED_AT = '2024-01-02T03:04:05.250Z';

function execution(jobName: string, overrides: Partial<Execution> = {}): Execution {
  return {
    id: `1704164645250000000-node-1`,
    job_name: jobName,
    started_at: STARTED_AT,
    finished_at: '0001-01-01T00:00:00Z',
    success: false,
    output: '',
    node_name: 'node-1',
    group: 1704164645250000000,
    attempt: 1,
    status: 'running',
    scheduled_at: null,
    ...overrides,
  };
}

/** A real kernel plugin registry (node `node-1`) with the sink registered. */
async function startSink(
  options: Omit<StatsdSinkOptions, 'logger'>,
): Promise<{ registry: PluginRegistry; logs: LogLine[] }> {
  const { logger, logs } = recordingLogger();
  const registry = createPluginRegistry({ nodeName: 'node-1', logger });
  await registry.register(createStatsdSink({ flushIntervalMs: 60_000, ...options, logger }));
  opened.push(() => registry.close());
  return { registry, logs };
}

/** One scheduled run of `backup` (250 ms late, 1.5 s, success), a lost `report` run, 3 missed slots. */
async function emitScenario(registry: PluginRegistry): Promise<void> {
  const backup = execution('backup', { scheduled_at: '2024-01-02T03:04:05.000Z' });
  await registry.emit('execution:start', { job: job('backup'), execution: backup });
  await registry.emit('execution:done', {
    job: job('backup'),
    execution: { ...backup, status: 'success', success: true, finished_at: '2024-01-02T03:04:06.750Z' },
  });
  const report = execution('report', { status: 'lost', finished_at: '2024-01-02T03:04:07.250Z' });
  await registry.emit('execution:done', { job: job('report'), execution: report });
  await registry.emit('schedule:missed', { job: job('backup'), count: 3, reason: 'late' });
}

const problems = (logs: LogLine[]) => logs.filter((l) => l.level === 'warn' || l.level === 'error');

// --- tests ---------------------------------------------------------------------------------------

describe('StatsD sink', () => {
  it('sends go-metrics keys with the label values flattened into the key, in one datagram on close', async () => {
    const rx = await receiver();
    const { registry, logs } = await startSink({ kind: 'statsd', address: `127.0.0.1:${rx.port}` });
    await emitScenario(registry);
    await registry.close();

    expect(await rx.untilLines(7)).toEqual([
      'dkron.job.executions_started.backup:1|c',
      'dkron.job.launch_lateness:250|ms',
      'dkron.job.executions_succeeded.backup:1|c',
      'dkron.job.execution_duration:1500|ms',
      'dkron.job.executions_failed.report:1|c',
      'dkron.job.execution_duration:2000|ms',
      'dkron.scheduler.missed_slots.backup.late:3|c',
    ]);
    expect(rx.datagrams).toHaveLength(1);
    expect(problems(logs)).toEqual([]);
  });

  it('sends no lateness for manual runs and counts cancelled runs as failed', async () => {
    const rx = await receiver();
    const { registry } = await startSink({ kind: 'statsd', address: `127.0.0.1:${rx.port}` });
    const manual = execution('adhoc');
    await registry.emit('execution:start', { job: job('adhoc'), execution: manual });
    await registry.emit('execution:done', {
      job: job('adhoc'),
      execution: { ...manual, status: 'cancelled', finished_at: STARTED_AT },
    });
    await registry.close();

    expect(await rx.untilLines(3)).toEqual([
      'dkron.job.executions_started.adhoc:1|c',
      'dkron.job.executions_failed.adhoc:1|c',
      'dkron.job.execution_duration:0|ms',
    ]);
  });

  it('flushes on the interval without waiting for close', async () => {
    const rx = await receiver();
    const { registry } = await startSink({
      kind: 'statsd',
      address: `127.0.0.1:${rx.port}`,
      flushIntervalMs: 20,
    });
    await registry.emit('execution:start', { job: job('tick'), execution: execution('tick') });
    expect(await rx.untilLines(1)).toEqual(['dkron.job.executions_started.tick:1|c']);
    await registry.emit('schedule:missed', { job: job('tick'), count: 2, reason: 'forbid' });
    expect(await rx.untilLines(2)).toEqual([
      'dkron.job.executions_started.tick:1|c',
      'dkron.scheduler.missed_slots.tick.forbid:2|c',
    ]);
    expect(rx.datagrams).toHaveLength(2);
  });

  it('batches many events into datagrams of at most 1,432 bytes, losing none', async () => {
    const rx = await receiver();
    const { registry } = await startSink({ kind: 'statsd', address: `127.0.0.1:${rx.port}` });
    const expected: string[] = [];
    for (let i = 0; i < 400; i += 1) {
      const name = `${i % 2 === 0 ? 'tâche' : 'job'}-${String(i).padStart(3, '0')}`;
      await registry.emit('execution:done', {
        job: job(name),
        execution: execution(name, { status: 'success', success: true, finished_at: STARTED_AT }),
      });
      expected.push(`dkron.job.executions_succeeded.${name}:1|c`, 'dkron.job.execution_duration:0|ms');
    }
    await registry.close();

    const lines = await rx.untilLines(expected.length);
    expect([...lines].sort()).toEqual([...expected].sort());
    const longest = Math.max(...expected.map((l) => Buffer.byteLength(l)));
    const sizes = rx.datagrams.map((d) => Buffer.byteLength(d)).sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(10);
    expect(sizes.at(-1)).toBeLessThanOrEqual(MAX_PACKET_BYTES);
    // Every datagram but the last was sent because the next line no longer fitted.
    for (const size of sizes.slice(1)) expect(size).toBeGreaterThan(MAX_PACKET_BYTES - longest - 1);
  });

  it('flushes what is buffered on close, and closing twice is harmless', async () => {
    const rx = await receiver();
    const sink = createStatsdSink({
      kind: 'statsd',
      address: `127.0.0.1:${rx.port}`,
      flushIntervalMs: 60_000,
      logger: recordingLogger().logger,
    });
    const registry = createPluginRegistry({ nodeName: 'node-1', logger: recordingLogger().logger });
    await registry.register(sink);
    await registry.emit('execution:start', { job: job('last'), execution: execution('last') });
    await sink.close();
    expect(await rx.untilLines(1)).toEqual(['dkron.job.executions_started.last:1|c']);
    await expect(sink.close()).resolves.toBeUndefined();
    await expect(registry.close()).resolves.toBeUndefined();
    await registry.emit('execution:start', { job: job('last'), execution: execution('last') });
    expect(rx.datagrams).toHaveLength(1);
  });

  it('replaces statsd-illegal characters in job names with _', async () => {
    const rx = await receiver();
    const { registry } = await startSink({ kind: 'statsd', address: `127.0.0.1:${rx.port}` });
    const name = 'night ly:job|x@y#z';
    await registry.emit('execution:start', { job: job(name), execution: execution(name) });
    await registry.close();
    expect(await rx.untilLines(1)).toEqual(['dkron.job.executions_started.night_ly_job_x_y_z:1|c']);
  });

  // Only a machine without IPv6 loopback skips it, and never in CI.
  it.skipIf(!ipv6 && !process.env.CI)('sends to an IPv6 address written [::1]:port', async () => {
    const rx = await receiver('::1');
    const { registry } = await startSink({ kind: 'statsd', address: `[::1]:${rx.port}` });
    await registry.emit('execution:start', { job: job('v6'), execution: execution('v6') });
    await registry.close();
    expect(await rx.untilLines(1)).toEqual(['dkron.job.executions_started.v6:1|c']);
  });

  it('resolves the host once', async () => {
    const rx = await receiver();
    let lookups = 0;
    const { registry } = await startSink({
      kind: 'statsd',
      address: `metrics.example:${rx.port}`,
      flushIntervalMs: 20,
      resolve: async () => {
        lookups += 1;
        return { address: '127.0.0.1', family: 4 };
      },
    });
    await registry.emit('execution:start', { job: job('a'), execution: execution('a') });
    await rx.untilLines(1);
    await registry.emit('execution:start', { job: job('b'), execution: execution('b') });
    await rx.untilLines(2);
    await registry.close();
    expect(rx.datagrams.length).toBeGreaterThanOrEqual(2);
    expect(lookups).toBe(1);
  });
});

describe('DogStatsD sink', () => {
  it('sends the job name as a job_name tag after the configured tags, and host = node name', async () => {
    const rx = await receiver();
    const { registry, logs } = await startSink({
      kind: 'dogstatsd',
      address: `127.0.0.1:${rx.port}`,
      tags: ['env:prod', 'team:sre'],
    });
    await emitScenario(registry);
    await registry.close();

    expect(await rx.untilLines(7)).toEqual([
      'dkron.job.executions_started:1|c|#env:prod,team:sre,job_name:backup,host:node-1',
      'dkron.job.launch_lateness:250|ms|#env:prod,team:sre,host:node-1',
      'dkron.job.executions_succeeded:1|c|#env:prod,team:sre,job_name:backup,host:node-1',
      'dkron.job.execution_duration:1500|ms|#env:prod,team:sre,host:node-1',
      'dkron.job.executions_failed:1|c|#env:prod,team:sre,job_name:report,host:node-1',
      'dkron.job.execution_duration:2000|ms|#env:prod,team:sre,host:node-1',
      'dkron.scheduler.missed_slots:3|c|#env:prod,team:sre,job_name:backup,reason:late,host:node-1',
    ]);
    expect(rx.datagrams).toHaveLength(1);
    expect(problems(logs)).toEqual([]);
  });

  it('sanitizes job names, node name and configured tags', async () => {
    const rx = await receiver();
    const { registry } = await startSink({
      kind: 'dogstatsd',
      address: `127.0.0.1:${rx.port}`,
      tags: [' region:eu-west ', 'bad|tag,x', ''],
      nodeName: 'node 7:a',
    });
    const name = 'night ly:job|x@y#z,w';
    await registry.emit('execution:start', { job: job(name), execution: execution(name) });
    await registry.close();
    expect(await rx.untilLines(1)).toEqual([
      'dkron.job.executions_started:1|c|#region:eu-west,bad_tag_x,job_name:night_ly_job_x_y_z_w,host:node_7_a',
    ]);
  });
});

describe('failures never throw', () => {
  it('an invalid address is logged once and nothing is sent', async () => {
    const { registry, logs } = await startSink({ kind: 'dogstatsd', address: 'not-an-address' });
    await expect(emitScenario(registry)).resolves.toBeUndefined();
    await expect(registry.close()).resolves.toBeUndefined();
    expect(problems(logs)).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'dogstatsd: invalid address, metrics are not sent',
      }),
    ]);
  });

  it('an unreachable address does not throw', async () => {
    const gone = await receiver();
    await gone.close();
    const { registry } = await startSink({ kind: 'statsd', address: `127.0.0.1:${gone.port}` });
    await expect(emitScenario(registry)).resolves.toBeUndefined();
    await expect(registry.close()).resolves.toBeUndefined();
  });

  it('an unresolvable host is logged, not thrown', async () => {
    const { registry, logs } = await startSink({
      kind: 'statsd',
      address: 'metrics.invalid:8125',
      resolve: async (host) => {
        throw new Error(`getaddrinfo ENOTFOUND ${host}`);
      },
    });
    await expect(emitScenario(registry)).resolves.toBeUndefined();
    await expect(registry.close()).resolves.toBeUndefined();
    expect(problems(logs)).toEqual([
      {
        level: 'warn',
        message: 'statsd: cannot resolve metrics.invalid',
        fields: { address: 'metrics.invalid:8125', error: 'getaddrinfo ENOTFOUND metrics.invalid' },
      },
    ]);
  });

  it('send errors are logged at most once per interval', async () => {
    // Sending to the broadcast address without SO_BROADCAST fails with EACCES on every datagram.
    const { registry, logs } = await startSink({
      kind: 'statsd',
      address: 'broadcast.test:8125',
      resolve: async () => ({ address: '255.255.255.255', family: 4 }),
    });
    for (let i = 0; i < 200; i += 1) {
      await registry.emit('execution:start', { job: job(`job-${i}`), execution: execution(`job-${i}`) });
    }
    await expect(registry.close()).resolves.toBeUndefined();
    const logged = problems(logs);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', message: 'statsd: cannot send metrics' });
  });
});

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:8125', { host: '127.0.0.1', port: 8125 }],
    ['statsd.local:9125', { host: 'statsd.local', port: 9125 }],
    ['[::1]:8125', { host: '::1', port: 8125 }],
    ['[fe80::1%eth0]:8125', { host: 'fe80::1%eth0', port: 8125 }],
  ])('parses %s', (input, expected) => {
    expect(parseHostPort(input)).toEqual(expected);
  });

  it.each(['', ':8125', 'localhost', 'localhost:0', 'localhost:70000', '::1:8125', 'a b:1', '[::1]'])(
    'refuses %j',
    (input) => {
      expect(parseHostPort(input)).toBeUndefined();
    },
  );
});
