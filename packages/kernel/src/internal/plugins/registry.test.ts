import { c, type DkronPlugin, isDkronError, type Logger, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { createPluginRegistry } from './registry.js';

interface Line {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const shellConfig = c.object({
  command: c.string({ description: 'Command to run' }),
  timeout: c.duration().optional(),
  shell: c.boolean().default(false),
});

type Host = Parameters<DkronPlugin['setup']>[0];

function executorPlugin(name: string, executor = 'shell', extra?: (host: Host) => void | Promise<void>) {
  return {
    name,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor({
        name: executor,
        description: `${executor} executor`,
        config: shellConfig,
        execute: async () => ({ success: true }),
      });
      return extra?.(host);
    },
  } satisfies DkronPlugin;
}

const logPlugin: DkronPlugin = {
  name: 'log-plugin',
  apiVersion: 1,
  setup(host) {
    host.processor({
      name: 'log',
      config: c.object({ forward: c.boolean().default(false) }),
      process: (e) => e,
    });
  },
};

async function rejection(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDkronError(err)).toBe(true);
  return err as { code: string; message: string; details: Record<string, unknown> };
}

function sync(fn: () => void) {
  try {
    fn();
  } catch (e) {
    expect(isDkronError(e)).toBe(true);
    return e as { code: string; message: string; details: Record<string, unknown> };
  }
  throw new Error('expected a throw');
}

const newRegistry = () => {
  const { logger, lines } = recordingLogger();
  return { registry: createPluginRegistry({ nodeName: 'node-1', logger }), lines };
};

describe('register', () => {
  it('records executors and processors and lists them in the catalog with JSON Schema', async () => {
    const { registry } = newRegistry();
    await registry.register(executorPlugin('@dkron-core/executor-shell'));
    await registry.register(executorPlugin('http-plugin', 'http'));
    await registry.register(logPlugin);

    expect(registry.plugins()).toEqual(['@dkron-core/executor-shell', 'http-plugin', 'log-plugin']);
    expect(registry.executor('shell')?.plugin).toBe('@dkron-core/executor-shell');
    expect(registry.processor('log')?.plugin).toBe('log-plugin');
    expect(registry.executor('nope')).toBeUndefined();

    const catalog = registry.catalog();
    expect(catalog.executors.map((e) => e.name)).toEqual(['http', 'shell']);
    expect(catalog.executors[1]).toEqual({
      name: 'shell',
      plugin: '@dkron-core/executor-shell',
      description: 'shell executor',
      config: shellConfig.toJSONSchema(),
    });
    expect(catalog.executors[1]?.config).toMatchObject({ type: 'object', required: ['command'] });
    expect(catalog.processors).toEqual([
      { name: 'log', plugin: 'log-plugin', config: expect.objectContaining({ type: 'object' }) },
    ]);
  });

  it('gives the plugin a host with the API version, node name and a logger bound to the plugin', async () => {
    const { registry, lines } = newRegistry();
    let seen: { apiVersion: number; nodeName: string } | undefined;
    await registry.register({
      name: 'peek',
      apiVersion: 1,
      setup(host) {
        seen = { apiVersion: host.apiVersion, nodeName: host.nodeName };
        host.logger.warn('hello', { a: 1 });
      },
    });
    expect(seen).toEqual({ apiVersion: 1, nodeName: 'node-1' });
    expect(lines).toContainEqual({ level: 'warn', message: 'hello', fields: { plugin: 'peek', a: 1 } });
  });

  it.each([
    [null, /got null/],
    ['shell', /got string "shell"/],
    [() => ({}), /got a function \(did you pass the factory instead of calling it\?\)/],
    [{ apiVersion: 1, setup() {} }, /non-empty string name, got undefined/],
    [{ name: '', apiVersion: 1, setup() {} }, /non-empty string name/],
    [{ name: 'p', apiVersion: 1 }, /plugin p has no setup function/],
    [{ name: 'p', apiVersion: 1, setup() {}, close: 3 }, /close must be a function/],
  ])('refuses a malformed plugin %#', async (plugin, message) => {
    const { registry } = newRegistry();
    const err = await rejection(registry.register(plugin as unknown as DkronPlugin));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toMatch(message);
  });

  it('refuses another API version with a message naming the plugin and both versions', async () => {
    const { registry } = newRegistry();
    const err = await rejection(registry.register({ ...executorPlugin('future'), apiVersion: 2 }));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe('plugin future targets plugin API version 2, this host supports 1');
    expect(err.details.plugin).toBe('future');
    expect(registry.executor('shell')).toBeUndefined();
  });

  it.each([
    [
      'sync',
      (host: Host) => {
        void host;
        throw new Error('no config');
      },
    ],
    [
      'async',
      async (host: Host) => {
        void host;
        await Promise.resolve();
        throw new Error('no config');
      },
    ],
  ])('turns a throwing %s setup into PLUGIN_INVALID and keeps nothing of it', async (_kind, fail) => {
    const { registry } = newRegistry();
    const plugin = executorPlugin('broken', 'shell', (host) => {
      host.on('execution:done', () => {});
      return fail(host);
    });
    const err = await rejection(registry.register(plugin));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe('plugin broken failed to set up: no config');
    expect(err.details.plugin).toBe('broken');
    expect(registry.executor('shell')).toBeUndefined();
    expect(registry.hasListeners('execution:done')).toBe(false);
    expect(registry.plugins()).toEqual([]);
    // The name is free again: a fixed plugin of the same name may register.
    await registry.register(executorPlugin('broken'));
    expect(registry.executor('shell')?.plugin).toBe('broken');
  });

  it('refuses an executor name taken by another plugin, registering nothing of the second plugin', async () => {
    const { registry } = newRegistry();
    await registry.register(executorPlugin('@dkron-core/executor-shell'));
    const second = executorPlugin('other', 'shell', (host) => {
      host.processor({ name: 'files', config: c.object({}), process: (e) => e });
    });
    const err = await rejection(registry.register(second));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe('executor "shell" is already registered by plugin @dkron-core/executor-shell');
    expect(err.details.plugin).toBe('other');
    expect(registry.processor('files')).toBeUndefined();
    expect(registry.executor('shell')?.plugin).toBe('@dkron-core/executor-shell');
  });

  it('refuses a processor name taken by another plugin and duplicates within one plugin', async () => {
    const { registry } = newRegistry();
    await registry.register(logPlugin);
    const err = await rejection(registry.register({ ...logPlugin, name: 'log-2' }));
    expect(err.message).toBe('processor "log" is already registered by plugin log-plugin');

    const twice = await rejection(
      registry.register(executorPlugin('twice', 'x', (host) => host.executor({ ...shellDef(), name: 'x' }))),
    );
    expect(twice.message).toBe('executor "x" is already registered by plugin twice');
  });

  it('refuses the same plugin name twice, even while the first is still setting up', async () => {
    const { registry } = newRegistry();
    let release!: () => void;
    const slow: DkronPlugin = {
      name: 'slow',
      apiVersion: 1,
      setup: () => new Promise<void>((resolve) => (release = resolve)),
    };
    const first = registry.register(slow);
    const err = await rejection(registry.register({ ...slow }));
    expect(err.message).toBe('plugin slow is already registered');
    release();
    await first;
    expect((await rejection(registry.register(slow))).message).toBe('plugin slow is already registered');
  });

  it('refuses invalid definitions with a message naming plugin and executor', async () => {
    const { registry } = newRegistry();
    const noExecute = await rejection(
      registry.register({
        name: 'p',
        apiVersion: 1,
        setup(host) {
          host.executor({ name: 'x', config: c.object({}) } as unknown as ReturnType<typeof shellDef>);
        },
      }),
    );
    expect(noExecute.message).toBe('executor "x" of plugin p has no execute function');

    const noSchema = await rejection(
      registry.register({
        name: 'q',
        apiVersion: 1,
        setup(host) {
          host.processor({ name: 'y', config: {}, process: (e: unknown) => e } as unknown as Parameters<
            typeof host.processor
          >[0]);
        },
      }),
    );
    expect(noSchema.message).toBe('processor "y" of plugin q needs a config schema made with c.object(...)');
  });

  it('refuses host calls made after setup finished', async () => {
    const { registry } = newRegistry();
    let late: (() => void) | undefined;
    await registry.register({
      name: 'late',
      apiVersion: 1,
      setup(host) {
        late = () => host.executor(shellDef());
      },
    });
    const err = sync(() => late?.());
    expect(err.message).toBe('plugin late called host.executor() after its setup finished');
    expect(registry.executor('shell')).toBeUndefined();
  });
});

function shellDef() {
  return { name: 'shell', config: shellConfig, execute: async () => ({ success: true }) };
}

describe('validateExecutorConfig', () => {
  it('names the unknown executor and the available ones', async () => {
    const { registry } = newRegistry();
    const none = sync(() => registry.validateExecutorConfig('shell', {}));
    expect(none.message).toBe('unknown executor "shell" (available: none)');
    await registry.register(executorPlugin('a', 'shell'));
    await registry.register(executorPlugin('b', 'http'));
    const err = sync(() => registry.validateExecutorConfig('kafka', {}));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toBe('unknown executor "kafka" (available: http, shell)');
    expect(err.details.field).toBe('executor');
  });

  it('rethrows schema errors as VALIDATION with the key under executor_config', async () => {
    const { registry } = newRegistry();
    await registry.register(executorPlugin('a'));
    const err = sync(() => registry.validateExecutorConfig('shell', { command: 'x', timeout: 'forever' }));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toBe(
      'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds, got "forever"',
    );
    expect(err.details.field).toBe('executor_config.timeout');

    const missing = sync(() => registry.validateExecutorConfig('shell', null));
    expect(missing.message).toBe('executor_config.command: is required (a string)');
  });

  it('accepts Dkron string-typed values and native JSON alike', async () => {
    const { registry } = newRegistry();
    await registry.register(executorPlugin('a'));
    expect(() =>
      registry.validateExecutorConfig('shell', { command: 'date', shell: 'true', timeout: '30s' }),
    ).not.toThrow();
    expect(() =>
      registry.validateExecutorConfig('shell', { command: 'date', shell: true, timeout: 30 }),
    ).not.toThrow();
  });

  it('wraps a third-party schema that throws a plain error', async () => {
    const { registry } = newRegistry();
    const odd = {
      ...c.object({}),
      parse() {
        throw new TypeError('bad things');
      },
      toJSONSchema: () => ({ type: 'object' }),
    };
    await registry.register({
      name: 'odd',
      apiVersion: 1,
      setup(host) {
        host.executor({ name: 'odd', config: odd, execute: async () => ({ success: true }) });
      },
    });
    const err = sync(() => registry.validateExecutorConfig('odd', {}));
    expect(err.message).toBe('executor_config: bad things');
    expect(err.details.field).toBe('executor_config');
  });
});

describe('validateProcessors', () => {
  it('accepts none, known processors and their string configs', async () => {
    const { registry } = newRegistry();
    await registry.register(logPlugin);
    expect(() => registry.validateProcessors(null)).not.toThrow();
    expect(() => registry.validateProcessors({})).not.toThrow();
    expect(() => registry.validateProcessors({ log: { forward: 'true' } })).not.toThrow();
    expect(() => registry.validateProcessors({ log: null })).not.toThrow();
  });

  it('names an unknown processor and a bad key', async () => {
    const { registry } = newRegistry();
    await registry.register(logPlugin);
    const unknown = sync(() => registry.validateProcessors({ log: {}, syslog: {} }));
    expect(unknown.code).toBe('VALIDATION');
    expect(unknown.message).toBe('unknown processor "syslog" (available: log)');
    expect(unknown.details.field).toBe('processors.syslog');

    const bad = sync(() => registry.validateProcessors({ log: { forward: 'yes' } }));
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toBe('processors.log.forward: expected a boolean, got "yes"');
    expect(bad.details.field).toBe('processors.log.forward');

    expect(sync(() => registry.validateProcessors(['log'])).message).toMatch(
      /^processors: expected an object/,
    );
  });
});

describe('emit', () => {
  it('calls every handler; throwing and rejecting handlers are logged and never propagate', async () => {
    const { registry, lines } = newRegistry();
    const calls: string[] = [];
    await registry.register({
      name: 'listeners',
      apiVersion: 1,
      setup(host) {
        host.on('job:saved', () => {
          calls.push('throws');
          throw new Error('sync boom');
        });
        host.on('job:saved', async () => {
          calls.push('rejects');
          throw new Error('async boom');
        });
        host.on('job:saved', ({ job }) => {
          calls.push(`ok ${job.name}`);
        });
      },
    });
    expect(registry.hasListeners('job:saved')).toBe(true);
    expect(registry.hasListeners('job:deleted')).toBe(false);
    await expect(registry.emit('job:saved', { job: { name: 'j' } as never })).resolves.toBeUndefined();
    expect(calls).toEqual(['throws', 'rejects', 'ok j']);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.fields?.error)).toEqual(['sync boom', 'async boom']);
    expect(errors[0]?.fields).toMatchObject({ plugin: 'listeners', event: 'job:saved' });
  });

  it('resolves at once when nobody listens', async () => {
    const { registry } = newRegistry();
    await expect(registry.emit('job:deleted', { job: {} as never })).resolves.toBeUndefined();
  });
});

describe('close', () => {
  it('closes plugins newest first, logs failures, and runs once', async () => {
    const { registry, lines } = newRegistry();
    const closed: string[] = [];
    const closing = (name: string, fail = false): DkronPlugin => ({
      name,
      apiVersion: 1,
      setup() {},
      async close() {
        closed.push(name);
        if (fail) throw new Error(`${name} stuck`);
      },
    });
    await registry.register(closing('a'));
    await registry.register(closing('b', true));
    await registry.register({ name: 'c', apiVersion: 1, setup() {} });
    await registry.close();
    await registry.close();
    expect(closed).toEqual(['b', 'a']);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'plugin close failed',
      fields: { plugin: 'b', error: 'b stuck' },
    });
    expect((await rejection(registry.register(closing('d')))).message).toBe(
      'cannot register plugin d: host closed',
    );
  });
});

describe('missing plugins', () => {
  it('names the jobs whose executor or processors no loaded plugin provides', async () => {
    const { registry } = newRegistry();
    await registry.register(executorPlugin('a', 'shell'));
    await registry.register(logPlugin);
    const jobs: Array<{
      name: string;
      executor: string;
      processors: Record<string, Record<string, string>>;
    }> = [
      { name: 'ok', executor: 'shell', processors: { log: {} } },
      { name: 'k1', executor: 'kafka', processors: {} },
      { name: 'k2', executor: 'kafka', processors: { files: {}, log: {} } },
      { name: 'n', executor: 'nats', processors: { files: {} } },
    ];
    expect(registry.missingPlugins(jobs)).toEqual({
      executors: new Map([
        ['kafka', ['k1', 'k2']],
        ['nats', ['n']],
      ]),
      processors: new Map([['files', ['k2', 'n']]]),
    });
  });

  it('explains a missing executor with the host hint', async () => {
    const registry = createPluginRegistry({
      nodeName: 'n1',
      logger: recordingLogger().logger,
      loadHint: 'see docs',
    });
    await registry.register(executorPlugin('a', 'shell'));
    expect(registry.missingExecutorMessage('kafka')).toBe(
      'executor "kafka" is not loaded on node n1 (loaded executors: shell); see docs',
    );
  });
});
