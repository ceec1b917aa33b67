import { DkronError, type Job } from '@dkron-core/plugin-api';
import type { PluginCatalog } from '../../ports/agent.js';
import { parseConfig } from './config-validation.js';
import type { MissingPlugins, Registered, RegisteredExecutor, RegisteredProcessor } from './registered.js';

/** Code-unit order: deterministic and locale-independent. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The registered names, sorted, for messages (`none` when there are none). */
export function available(entries: ReadonlyMap<string, unknown>): string {
  const names = [...entries.keys()].sort();
  return names.length === 0 ? 'none' : names.join(', ');
}

/** Registered executors or processors as the catalog lists them, sorted by name. */
export function toCatalog(entries: ReadonlyMap<string, Registered<unknown>>): PluginCatalog['executors'] {
  return [...entries.values()]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((e) => ({
      name: e.name,
      plugin: e.plugin,
      ...(e.description === undefined ? {} : { description: e.description }),
      config: e.jsonSchema,
    }));
}

/** See `PluginRegistry.validateExecutorConfig`. */
export function validateExecutorConfig(
  executors: ReadonlyMap<string, RegisteredExecutor>,
  executor: string,
  config: unknown,
): void {
  const entry = executors.get(executor);
  if (entry === undefined) {
    throw new DkronError(
      'VALIDATION',
      `unknown executor "${executor}" (available: ${available(executors)})`,
      {
        details: { field: 'executor' },
      },
    );
  }
  parseConfig(entry.definition.config, config, 'executor_config');
}

/** See `PluginRegistry.validateProcessors`. */
export function validateProcessors(
  processors: ReadonlyMap<string, RegisteredProcessor>,
  input: unknown,
): void {
  if (input === undefined || input === null) return;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new DkronError('VALIDATION', 'processors: expected an object of processor name to config', {
      details: { field: 'processors' },
    });
  }
  for (const [name, config] of Object.entries(input).sort(([a], [b]) => compareNames(a, b))) {
    const entry = processors.get(name);
    if (entry === undefined) {
      throw new DkronError(
        'VALIDATION',
        `unknown processor "${name}" (available: ${available(processors)})`,
        {
          details: { field: `processors.${name}` },
        },
      );
    }
    parseConfig(entry.definition.config, config, `processors.${name}`);
  }
}

/** See `PluginRegistry.missingPlugins`. */
export function missingPlugins(
  executors: ReadonlyMap<string, unknown>,
  processors: ReadonlyMap<string, unknown>,
  jobs: Iterable<Pick<Job, 'name' | 'executor'> & { readonly processors?: Job['processors'] | null }>,
): MissingPlugins {
  const missing = { executors: new Map<string, string[]>(), processors: new Map<string, string[]>() };
  const add = (map: Map<string, string[]>, name: string, job: string) => {
    map.set(name, [...(map.get(name) ?? []), job]);
  };
  for (const job of jobs) {
    if (job.executor !== '' && !executors.has(job.executor)) add(missing.executors, job.executor, job.name);
    for (const name of Object.keys(job.processors ?? {})) {
      if (!processors.has(name)) add(missing.processors, name, job.name);
    }
  }
  return missing;
}
