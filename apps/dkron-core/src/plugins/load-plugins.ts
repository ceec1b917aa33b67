/**
 * Loads the plugins of the config file's `plugins:` list: resolve the module, import it, call its
 * factory with the entry's options and check that the result is a {@link DkronPlugin}. Any failure
 * stops the start with a message naming the entry, so a typo never surfaces at the first execution.
 */

import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DkronError, type DkronPlugin, type Logger, pluginProblem } from '@dkron-core/plugin-api';
import type { PluginEntry } from '../config/agent-config.js';
import { isPathSpecifier, resolveModule } from './resolve-module.js';

/** Options of {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Directory of the config file (else the working directory): paths and packages are resolved from it. */
  readonly baseDir: string;
  /** Told which plugin came from where. */
  readonly logger?: Logger;
  /** Plugins already loaded (the built-in ones): a second plugin with one of their names is refused. */
  readonly loaded?: readonly DkronPlugin[];
  /**
   * Where to look for packages not found from `baseDir`; defaults to dkron-core's own installation,
   * so a plugin installed beside dkron-core works with a config file in `/etc/dkron`.
   */
  readonly fallbackDirs?: readonly string[];
}

/** A module's namespace, as `import()` returns it. */
type ModuleNamespace = Readonly<Record<string, unknown>>;

const APP_DIR = dirname(fileURLToPath(import.meta.url));

/** Where packages are looked for when not found from the base directory: dkron-core's installation. */
export function defaultFallbackDir(): string {
  return APP_DIR;
}

/**
 * Loads `entries` in order.
 *
 * @throws {DkronError} `PLUGIN_INVALID` naming the entry when a module is missing, exports no usable
 *   factory or returns something that is not a compatible plugin; `PLUGIN_FAILED` when a factory throws.
 */
export async function loadPlugins(
  entries: readonly PluginEntry[],
  options: LoadPluginsOptions,
): Promise<DkronPlugin[]> {
  const plugins: DkronPlugin[] = [];
  const names = new Set((options.loaded ?? []).map((p) => p.name));
  for (const entry of entries) {
    const spec = typeof entry === 'string' ? { name: entry } : entry;
    const fail = (
      reason: string,
      cause?: unknown,
      code: 'PLUGIN_INVALID' | 'PLUGIN_FAILED' = 'PLUGIN_INVALID',
    ) =>
      new DkronError(code, `plugin ${JSON.stringify(spec.name)}: ${reason}`, {
        details: { plugin: spec.name },
        ...(cause === undefined ? {} : { cause }),
      });

    const path = await findModule(spec.name, options, fail);
    const namespace = await importModule(path, fail);
    const [exportName, factory] = pickFactory(namespace, spec.factory, fail);
    let plugin: unknown;
    try {
      plugin = await (spec.options === undefined ? factory() : factory(spec.options));
    } catch (err) {
      throw fail(`${exportName}() threw: ${(err as Error)?.message ?? String(err)}`, err, 'PLUGIN_FAILED');
    }
    // The one shape check (the registry applies the same when it registers the plugin).
    const problem = pluginProblem(plugin);
    if (problem) throw fail(`${exportName}(): ${problem}`);
    const checked = plugin as DkronPlugin;
    if (names.has(checked.name))
      throw fail(`another plugin is already named ${JSON.stringify(checked.name)}`);
    names.add(checked.name);
    plugins.push(checked);
    options.logger?.info('plugin loaded', { plugin: checked.name, entry: spec.name, module: path });
  }
  return plugins;
}

type Fail = (reason: string, cause?: unknown) => DkronError;

async function findModule(name: string, options: LoadPluginsOptions, fail: Fail): Promise<string> {
  const dirs = isPathSpecifier(name)
    ? [options.baseDir]
    : [options.baseDir, ...(options.fallbackDirs ?? [APP_DIR])];
  let path: string | undefined;
  try {
    path = await resolveModule(name, dirs);
  } catch (err) {
    throw fail((err as Error).message, err);
  }
  if (path === undefined) {
    const hint = isPathSpecifier(name)
      ? `(paths are relative to ${options.baseDir})`
      : `(install it: npm install ${name}, in ${options.baseDir})`;
    throw fail(`module not found ${hint}`);
  }
  return path;
}

async function importModule(path: string, fail: Fail): Promise<ModuleNamespace> {
  try {
    return (await import(pathToFileURL(path).href)) as ModuleNamespace;
  } catch (err) {
    throw fail(`cannot be imported: ${(err as Error)?.message ?? String(err)}`, err);
  }
}

type Factory = (options?: unknown) => unknown;

function pickFactory(namespace: ModuleNamespace, wanted: string | undefined, fail: Fail): [string, Factory] {
  const functions = Object.keys(namespace).filter(
    (k) => k !== 'default' && typeof namespace[k] === 'function',
  );
  const listed = functions.length > 0 ? ` (exported functions: ${functions.join(', ')})` : '';
  if (wanted !== undefined) {
    const value = namespace[wanted];
    if (typeof value !== 'function')
      throw fail(`export ${JSON.stringify(wanted)} is not a function${listed}`);
    return [wanted, value as Factory];
  }
  const [only, ...others] = functions;
  if (only !== undefined && others.length === 0) return [only, namespace[only] as Factory];
  if (only !== undefined) {
    throw fail(
      `exports several functions (${functions.join(', ')}); name the factory to call with "factory:"`,
    );
  }
  if (typeof namespace.default === 'function') return ['default', namespace.default as Factory];
  throw fail('exports no function; a plugin module exports a factory such as shellExecutor()');
}
