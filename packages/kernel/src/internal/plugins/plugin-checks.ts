import { DkronError, type DkronPlugin, pluginProblem } from '@dkron-core/plugin-api';

/** A `PLUGIN_INVALID` error naming `plugin`. */
export function pluginInvalid(plugin: string, message: string, cause?: unknown): DkronError {
  return new DkronError('PLUGIN_INVALID', message, {
    details: { plugin },
    ...(cause === undefined ? {} : { cause }),
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

/** Describes a value for a message without dumping it (plugins can be large objects). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks a plugin with the API's one shape check ({@link pluginProblem}) before anything of it runs.
 * Plugins come from config files and npm packages, so a wrong export must fail the start with a
 * message that says what was found.
 */
export function checkPluginShape(plugin: unknown): asserts plugin is DkronPlugin {
  const problem = pluginProblem(plugin);
  if (problem === undefined) return;
  const name = (plugin as { name?: unknown } | null)?.name;
  throw pluginInvalid(isNonEmptyString(name) ? name : '<unknown>', problem);
}

/**
 * Checks an executor or processor definition handed to the host. `run` is the name of the function it
 * must provide (`execute` or `process`).
 */
export function checkDefinition(plugin: string, kind: 'executor' | 'processor', definition: unknown): void {
  const run = kind === 'executor' ? 'execute' : 'process';
  if (!isRecord(definition)) {
    throw pluginInvalid(
      plugin,
      `plugin ${plugin} registered an invalid ${kind}: got ${describe(definition)}`,
    );
  }
  if (!isNonEmptyString(definition.name)) {
    throw pluginInvalid(plugin, `plugin ${plugin} registered a ${kind} without a name`);
  }
  const label = `${kind} "${definition.name}" of plugin ${plugin}`;
  if (typeof definition[run] !== 'function') {
    throw pluginInvalid(plugin, `${label} has no ${run} function`);
  }
  const config = definition.config;
  if (!isRecord(config) || typeof config.parse !== 'function' || typeof config.toJSONSchema !== 'function') {
    throw pluginInvalid(plugin, `${label} needs a config schema made with c.object(...)`);
  }
  if (definition.description !== undefined && typeof definition.description !== 'string') {
    throw pluginInvalid(plugin, `${label}: description must be a string`);
  }
}
