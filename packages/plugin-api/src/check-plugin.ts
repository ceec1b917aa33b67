import { PLUGIN_API_VERSION } from './plugin.js';

/** Describes a value for a message without dumping it (plugins can be large objects). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Why `value` is not a plugin this host can register, or `undefined` when it is one: the plain-object
 * shape `{ name, apiVersion, setup, close? }` and an `apiVersion` equal to {@link PLUGIN_API_VERSION}.
 *
 * The one shape check of dkron-core: the server's plugin loader, its registry and the test host of
 * `@dkron-core/plugin-testing` all use it, so a plugin is judged the same way everywhere.
 *
 * @example
 * ```ts
 * import { pluginProblem } from '@dkron-core/plugin-api';
 * pluginProblem(myExecutor());  // undefined
 * pluginProblem(myExecutor);    // 'a plugin must be an object … (did you pass the factory instead of calling it?)'
 * ```
 */
export function pluginProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return (
      `a plugin must be an object with a name, an apiVersion and a setup function, got ${describe(value)}` +
      (typeof value === 'function' ? ' (did you pass the factory instead of calling it?)' : '')
    );
  }
  const p = value as Record<string, unknown>;
  if (typeof p.name !== 'string' || p.name.trim() === '') {
    return `a plugin must have a non-empty string name, got ${describe(p.name)}`;
  }
  const supported = `this host supports ${PLUGIN_API_VERSION}`;
  if (p.apiVersion === undefined) return `plugin ${p.name} declares no apiVersion (${supported})`;
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    return `plugin ${p.name} targets plugin API version ${JSON.stringify(p.apiVersion)}, ${supported}`;
  }
  if (typeof p.setup !== 'function') return `plugin ${p.name} has no setup function`;
  if (p.close !== undefined && typeof p.close !== 'function') {
    return `plugin ${p.name}: close must be a function when present`;
  }
  return undefined;
}
