import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DkronError, isDkronError, type LogFields, type Logger } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginEntry } from '../config/agent-config.js';
import { loadPlugins } from './load-plugins.js';

let base: string;

const plugin = (name: string, apiVersion: unknown = 1) =>
  `{ name: ${JSON.stringify(name)}, apiVersion: ${JSON.stringify(apiVersion)}, setup() {}, options }`;

/** Fixture files relative to the temp dir (which stands for the config file's directory). */
const FIXTURES: Record<string, string> = {
  'package.json': '{"type":"module"}',
  'good.js': `export function goodPlugin(options) { return ${plugin('good')}; }\nexport const notAFunction = 1;`,
  'async.js': `export async function asyncPlugin(options) { return ${plugin('async')}; }`,
  'two.js': `export function first(options) { return ${plugin('first')}; }\nexport function second(options) { return ${plugin('second')}; }`,
  'none.js': 'export const x = 1;',
  'default.js': `export default function (options) { return ${plugin('default')}; }`,
  'bad-version.js': `export function p(options) { return ${plugin('v2', 2)}; }`,
  'no-version.js': 'export function p() { return { name: "nv", setup() {} }; }',
  'not-object.js': 'export function p() { return 42; }',
  'throws.js': 'export function p() { throw new Error("no broker configured"); }',
  'syntax.js': 'export function p( {',
  'dup.js': `export function p(options) { return ${plugin('good')}; }`,
  'node_modules/@acme/p/package.json': JSON.stringify({
    name: '@acme/p',
    type: 'module',
    exports: { '.': { types: './index.d.ts', import: './dist/index.js' }, './extra': './extra.js' },
  }),
  'node_modules/@acme/p/dist/index.js': `export function acmeExecutor(options) { return ${plugin('@acme/p')}; }\nexport function helper() {}`,
  'node_modules/@acme/p/extra.js': `export function extra(options) { return ${plugin('@acme/p-extra')}; }`,
  'node_modules/legacy/package.json': JSON.stringify({ name: 'legacy', type: 'module', main: 'main.js' }),
  'node_modules/legacy/main.js': `export function legacy(options) { return ${plugin('legacy')}; }`,
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'dkron-plugins-'));
  for (const [path, text] of Object.entries(FIXTURES)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), text);
  }
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function load(entries: PluginEntry[], loaded = [] as Awaited<ReturnType<typeof loadPlugins>>) {
  return loadPlugins(entries, { baseDir: base, loaded, fallbackDirs: [] });
}

async function failure(promise: Promise<unknown>): Promise<DkronError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDkronError(err)) throw new Error(`expected a DkronError, got ${String(err)}`);
  return err;
}

describe('loadPlugins', () => {
  it('loads a path entry, calling its only exported function', async () => {
    const [p] = await load(['./good.js']);
    expect(p?.name).toBe('good');
    expect(p?.apiVersion).toBe(1);
  });

  it('passes options to the named factory and awaits async factories', async () => {
    const [p] = await load([{ name: './async.js', factory: 'asyncPlugin', options: { url: 'nats://x' } }]);
    expect(p).toMatchObject({ name: 'async', options: { url: 'nats://x' } });
  });

  it('calls the factory without arguments when no options are given', async () => {
    const [p] = await load([{ name: './good.js' }]);
    expect((p as unknown as { options: unknown }).options).toBeUndefined();
  });

  it('resolves packages from node_modules with exports conditions, subpaths and main', async () => {
    const plugins = await load([{ name: '@acme/p', factory: 'acmeExecutor' }, '@acme/p/extra', 'legacy']);
    expect(plugins.map((p) => p.name)).toEqual(['@acme/p', '@acme/p-extra', 'legacy']);
  });

  it('uses a default export function when there are no named ones', async () => {
    expect((await load(['./default.js']))[0]?.name).toBe('default');
  });

  it('keeps the order of the entries', async () => {
    const plugins = await load(['legacy', './good.js', { name: './two.js', factory: 'second' }]);
    expect(plugins.map((p) => p.name)).toEqual(['legacy', 'good', 'second']);
  });

  it('fails on a missing path', async () => {
    const err = await failure(load(['./x.js']));
    expect(err.code).toBe('PLUGIN_INVALID');
    expect(err.message).toBe(`plugin "./x.js": module not found (paths are relative to ${base})`);
    expect(err.details.plugin).toBe('./x.js');
  });

  it('fails on a missing package', async () => {
    const err = await failure(load(['@acme/missing']));
    expect(err.message).toBe(
      `plugin "@acme/missing": module not found (install it: npm install @acme/missing, in ${base})`,
    );
  });

  it('fails when the named export is not a function', async () => {
    expect((await failure(load([{ name: '@acme/p', factory: 'fooExecutor' }]))).message).toBe(
      'plugin "@acme/p": export "fooExecutor" is not a function (exported functions: acmeExecutor, helper)',
    );
    expect((await failure(load([{ name: './good.js', factory: 'notAFunction' }]))).message).toBe(
      'plugin "./good.js": export "notAFunction" is not a function (exported functions: goodPlugin)',
    );
  });

  it('fails on ambiguous exports, naming the candidates', async () => {
    expect((await failure(load(['./two.js']))).message).toBe(
      'plugin "./two.js": exports several functions (first, second); name the factory to call with "factory:"',
    );
    expect((await failure(load(['@acme/p']))).message).toBe(
      'plugin "@acme/p": exports several functions (acmeExecutor, helper); name the factory to call with "factory:"',
    );
  });

  it('fails when no function is exported', async () => {
    expect((await failure(load(['./none.js']))).message).toBe(
      'plugin "./none.js": exports no function; a plugin module exports a factory such as shellExecutor()',
    );
  });

  it('fails on an unsupported apiVersion', async () => {
    expect((await failure(load(['./bad-version.js']))).message).toBe(
      'plugin "./bad-version.js": p(): plugin v2 targets plugin API version 2, this host supports 1',
    );
    expect((await failure(load(['./no-version.js']))).message).toBe(
      'plugin "./no-version.js": p(): plugin nv declares no apiVersion (this host supports 1)',
    );
  });

  it('fails when the factory returns something else than a plugin', async () => {
    expect((await failure(load(['./not-object.js']))).message).toBe(
      'plugin "./not-object.js": p(): a plugin must be an object with a name, an apiVersion and a setup function, got number 42',
    );
  });

  it('reports a throwing factory as PLUGIN_FAILED with its cause', async () => {
    const err = await failure(load(['./throws.js']));
    expect(err.code).toBe('PLUGIN_FAILED');
    expect(err.message).toBe('plugin "./throws.js": p() threw: no broker configured');
    expect((err.cause as Error).message).toBe('no broker configured');
  });

  it('reports a module that cannot be imported', async () => {
    expect((await failure(load(['./syntax.js']))).message).toMatch(
      /^plugin "\.\/syntax\.js": cannot be imported: /,
    );
  });

  it('refuses two plugins with one name, including built-in ones', async () => {
    expect((await failure(load(['./good.js', './dup.js']))).message).toBe(
      'plugin "./dup.js": another plugin is already named "good"',
    );
    const builtin = { name: 'good', apiVersion: 1, setup() {} };
    expect((await failure(load(['./good.js'], [builtin]))).message).toBe(
      'plugin "./good.js": another plugin is already named "good"',
    );
  });

  it("finds packages in the fallback directories (dkron-core's installation)", async () => {
    const other = await mkdtemp(join(tmpdir(), 'dkron-plugins-cfg-'));
    try {
      const plugins = await loadPlugins(['legacy'], { baseDir: other, fallbackDirs: [base] });
      expect(plugins[0]?.name).toBe('legacy');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('logs where each plugin came from', async () => {
    const lines: Array<[string, LogFields | undefined]> = [];
    const logger: Logger = {
      debug() {},
      info: (message, fields) => lines.push([message, fields]),
      warn() {},
      error() {},
    };
    await loadPlugins(['./good.js'], { baseDir: base, logger });
    expect(lines).toEqual([
      ['plugin loaded', { plugin: 'good', entry: './good.js', module: join(base, 'good.js') }],
    ]);
  });
});
