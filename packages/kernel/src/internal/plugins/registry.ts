import {
  type ConfigShape,
  DkronError,
  type DkronPlugin,
  type ExecutorDefinition,
  isDkronError,
  type Job,
  type JsonSchema,
  type Logger,
  type ObjectConfigSchema,
  PLUGIN_API_VERSION,
  type PluginEventName,
  type PluginEvents,
  type PluginHost,
  type ProcessorDefinition,
} from '@dkron-core/plugin-api';
import type { PluginCatalog } from '../../ports/agent.js';
import { bindLogger, errorMessage } from './bind-logger.js';
import { exportSchema, parseConfig } from './config-validation.js';
import { createEventHandlers, type EventHandler } from './event-handlers.js';
import { checkDefinition, checkPluginShape, pluginInvalid } from './plugin-checks.js';

/** An executor definition with its config type erased, as the host stores it. */
export type AnyExecutorDefinition = ExecutorDefinition<ObjectConfigSchema<ConfigShape>>;
/** A processor definition with its config type erased, as the host stores it. */
export type AnyProcessorDefinition = ProcessorDefinition<ObjectConfigSchema<ConfigShape>>;

/** A registered executor or processor and the plugin that provides it. */
export interface Registered<D> {
  readonly name: string;
  /** Name of the plugin that registered it. */
  readonly plugin: string;
  readonly description?: string;
  readonly definition: D;
  /** The config schema exported once at registration. */
  readonly jsonSchema: JsonSchema;
}

/** A registered executor. */
export type RegisteredExecutor = Registered<AnyExecutorDefinition>;
/** A registered processor. */
export type RegisteredProcessor = Registered<AnyProcessorDefinition>;

/** Options of {@link createPluginRegistry}. */
export interface PluginRegistryOptions {
  /** Name of this node, given to plugins as `host.nodeName`. */
  readonly nodeName: string;
  /** Receives the registry's own lines and, bound to each plugin's name, the plugins' lines. */
  readonly logger: Logger;
  /**
   * Ends the error of a run whose executor is not loaded: how this host loads plugins. Default:
   * `load the plugin that provides it and restart the agent`.
   */
  readonly loadHint?: string;
}

/** Jobs naming executors or processors that no loaded plugin provides, by the missing name. */
export interface MissingPlugins {
  /** Missing executor → names of the jobs using it, in the order given. */
  readonly executors: ReadonlyMap<string, readonly string[]>;
  /** Missing processor → names of the jobs configuring it. */
  readonly processors: ReadonlyMap<string, readonly string[]>;
}

/** The plugins loaded on one node: what they registered, config validation, events and shutdown. */
export interface PluginRegistry {
  /**
   * Checks `plugin` and runs its setup. Refuses (with `PLUGIN_INVALID`) a bad shape, another API
   * version, a throwing setup and executor/processor names taken by another plugin. All or nothing:
   * a refused plugin leaves no registration behind.
   */
  register(plugin: DkronPlugin): Promise<void>;
  /** The executor registered under `name`. */
  executor(name: string): RegisteredExecutor | undefined;
  /** The processor registered under `name`. */
  processor(name: string): RegisteredProcessor | undefined;
  /** Names of the registered plugins, in registration order. */
  plugins(): readonly string[];
  /** Executors and processors with their config schemas, sorted by name. */
  catalog(): PluginCatalog;
  /**
   * Throws `VALIDATION` when `executor` is unknown (`details.field` `executor`) or `config` does not
   * parse with its schema (the message and field name the key under `executor_config`).
   */
  validateExecutorConfig(executor: string, config: unknown): void;
  /**
   * Throws `VALIDATION` when a job's `processors` map names an unknown processor or holds a config
   * that does not parse (the message and field name the key under `processors.<name>`).
   */
  validateProcessors(processors: unknown): void;
  /** Which of `jobs` name an executor or a processor that no registered plugin provides. */
  missingPlugins(
    jobs: Iterable<Pick<Job, 'name' | 'executor'> & { readonly processors?: Job['processors'] | null }>,
  ): MissingPlugins;
  /** The error of a run whose executor `name` is not loaded: which one, on which node, how to load it. */
  missingExecutorMessage(name: string): string;
  /** True when some plugin listens to `event`; lets hot paths skip building payloads. */
  hasListeners(event: PluginEventName): boolean;
  /**
   * Calls every handler of `event`. A throwing or rejecting handler is logged and never propagates;
   * the promise (which never rejects) settles when every handler has.
   */
  emit<E extends PluginEventName>(event: E, payload: PluginEvents[E]): Promise<void>;
  /** Calls every plugin's `close`, newest first; failures are logged. Later calls do nothing. */
  close(): Promise<void>;
}

interface Staged {
  readonly executors: RegisteredExecutor[];
  readonly processors: RegisteredProcessor[];
  readonly handlers: Array<{ event: PluginEventName; handler: EventHandler }>;
}

/** Creates the plugin registry of one node. */
export function createPluginRegistry(options: PluginRegistryOptions): PluginRegistry {
  const { logger } = options;
  const executors = new Map<string, RegisteredExecutor>();
  const processors = new Map<string, RegisteredProcessor>();
  const handlers = createEventHandlers(logger);
  const loaded: DkronPlugin[] = [];
  // Names being set up right now: two concurrent registrations of one name must not both win.
  const pending = new Set<string>();
  let closed: Promise<void> | undefined;

  function stage(plugin: DkronPlugin, staged: Staged, isOpen: () => boolean): PluginHost {
    const ensureOpen = (what: string): void => {
      if (!isOpen()) {
        throw pluginInvalid(
          plugin.name,
          `plugin ${plugin.name} called host.${what}() after its setup finished`,
        );
      }
    };
    return {
      apiVersion: PLUGIN_API_VERSION,
      nodeName: options.nodeName,
      logger: bindLogger(logger, { plugin: plugin.name }),
      executor(definition) {
        ensureOpen('executor');
        checkDefinition(plugin.name, 'executor', definition);
        staged.executors.push(
          toRegistered(plugin.name, 'executor', definition as unknown as AnyExecutorDefinition),
        );
      },
      processor(definition) {
        ensureOpen('processor');
        checkDefinition(plugin.name, 'processor', definition);
        staged.processors.push(
          toRegistered(plugin.name, 'processor', definition as unknown as AnyProcessorDefinition),
        );
      },
      on(event, handler) {
        ensureOpen('on');
        if (typeof handler !== 'function') {
          throw pluginInvalid(
            plugin.name,
            `plugin ${plugin.name}: the handler of "${event}" is not a function`,
          );
        }
        staged.handlers.push({ event, handler: { plugin: plugin.name, fn: handler as EventHandler['fn'] } });
      },
    };
  }

  function checkNames(
    plugin: string,
    kind: 'executor' | 'processor',
    staged: readonly Registered<unknown>[],
  ) {
    const taken = kind === 'executor' ? executors : processors;
    const seen = new Set<string>();
    for (const entry of staged) {
      const owner = taken.get(entry.name)?.plugin ?? (seen.has(entry.name) ? plugin : undefined);
      if (owner !== undefined) {
        throw pluginInvalid(plugin, `${kind} "${entry.name}" is already registered by plugin ${owner}`);
      }
      seen.add(entry.name);
    }
  }

  async function register(plugin: DkronPlugin): Promise<void> {
    checkPluginShape(plugin);
    if (closed !== undefined)
      throw pluginInvalid(plugin.name, `cannot register plugin ${plugin.name}: host closed`);
    if (pending.has(plugin.name) || loaded.some((p) => p.name === plugin.name)) {
      throw pluginInvalid(plugin.name, `plugin ${plugin.name} is already registered`);
    }
    pending.add(plugin.name);
    const staged: Staged = { executors: [], processors: [], handlers: [] };
    let open = true;
    try {
      await plugin.setup(stage(plugin, staged, () => open));
    } catch (thrown) {
      if (isDkronError(thrown, 'PLUGIN_INVALID') && thrown.details.plugin === plugin.name) {
        throw thrown;
      }
      throw pluginInvalid(
        plugin.name,
        `plugin ${plugin.name} failed to set up: ${errorMessage(thrown)}`,
        thrown,
      );
    } finally {
      open = false;
      pending.delete(plugin.name);
    }
    // Commit synchronously after every check so a refused plugin leaves nothing behind.
    checkNames(plugin.name, 'executor', staged.executors);
    checkNames(plugin.name, 'processor', staged.processors);
    for (const e of staged.executors) executors.set(e.name, e);
    for (const p of staged.processors) processors.set(p.name, p);
    for (const { event, handler } of staged.handlers) handlers.add(event, handler);
    loaded.push(plugin);
    logger.info('plugin registered', {
      plugin: plugin.name,
      executors: staged.executors.map((e) => e.name),
      processors: staged.processors.map((p) => p.name),
    });
  }

  async function closeAll(): Promise<void> {
    for (const plugin of [...loaded].reverse()) {
      try {
        await plugin.close?.();
      } catch (thrown) {
        logger.error('plugin close failed', { plugin: plugin.name, error: errorMessage(thrown) });
      }
    }
  }

  return {
    register,
    executor: (name) => executors.get(name),
    processor: (name) => processors.get(name),
    plugins: () => loaded.map((p) => p.name),
    catalog: () => ({ executors: toCatalog(executors), processors: toCatalog(processors) }),
    validateExecutorConfig(executor, config) {
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
    },
    validateProcessors(input) {
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
    },
    missingPlugins(jobs) {
      const missing = { executors: new Map<string, string[]>(), processors: new Map<string, string[]>() };
      const add = (map: Map<string, string[]>, name: string, job: string) => {
        map.set(name, [...(map.get(name) ?? []), job]);
      };
      for (const job of jobs) {
        if (job.executor !== '' && !executors.has(job.executor))
          add(missing.executors, job.executor, job.name);
        for (const name of Object.keys(job.processors ?? {})) {
          if (!processors.has(name)) add(missing.processors, name, job.name);
        }
      }
      return missing;
    },
    missingExecutorMessage: (name) =>
      `executor ${JSON.stringify(name)} is not loaded on node ${options.nodeName} ` +
      `(loaded executors: ${available(executors)}); ` +
      (options.loadHint ?? 'load the plugin that provides it and restart the agent'),
    hasListeners: (event) => handlers.has(event),
    emit: (event, payload) => handlers.emit(event, payload),
    close() {
      closed ??= closeAll();
      return closed;
    },
  };
}

function toRegistered<D extends AnyExecutorDefinition | AnyProcessorDefinition>(
  plugin: string,
  kind: 'executor' | 'processor',
  definition: D,
): Registered<D> {
  let jsonSchema: JsonSchema;
  try {
    jsonSchema = exportSchema(definition.config);
  } catch (thrown) {
    throw pluginInvalid(
      plugin,
      `${kind} "${definition.name}" of plugin ${plugin}: its config schema cannot be exported as JSON Schema: ${errorMessage(thrown)}`,
      thrown,
    );
  }
  return {
    name: definition.name,
    plugin,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    definition,
    jsonSchema,
  };
}

function toCatalog(entries: ReadonlyMap<string, Registered<unknown>>): PluginCatalog['executors'] {
  return [...entries.values()]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((e) => ({
      name: e.name,
      plugin: e.plugin,
      ...(e.description === undefined ? {} : { description: e.description }),
      config: e.jsonSchema,
    }));
}

/** Code-unit order: deterministic and locale-independent. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function available(entries: ReadonlyMap<string, unknown>): string {
  const names = [...entries.keys()].sort();
  return names.length === 0 ? 'none' : names.join(', ');
}
