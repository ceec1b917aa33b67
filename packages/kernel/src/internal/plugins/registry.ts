import {
  type DkronPlugin,
  isDkronError,
  type Job,
  type Logger,
  type PluginEventName,
  type PluginEvents,
} from '@dkron-core/plugin-api';
import type { PluginCatalog } from '../../ports/agent.js';
import { errorMessage } from './bind-logger.js';
import { createEventHandlers } from './event-handlers.js';
import { checkPluginShape, pluginInvalid } from './plugin-checks.js';
import { checkNames, type Staged, stagingHost } from './plugin-staging.js';
import type { MissingPlugins, RegisteredExecutor, RegisteredProcessor } from './registered.js';
import {
  available,
  missingPlugins,
  toCatalog,
  validateExecutorConfig,
  validateProcessors,
} from './registry-lookups.js';

export type {
  AnyExecutorDefinition,
  AnyProcessorDefinition,
  MissingPlugins,
  Registered,
  RegisteredExecutor,
  RegisteredProcessor,
} from './registered.js';
export { compareNames } from './registry-lookups.js';

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
      await plugin.setup(stagingHost(plugin, staged, () => open, options.nodeName, logger));
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
    checkNames(executors, plugin.name, 'executor', staged.executors);
    checkNames(processors, plugin.name, 'processor', staged.processors);
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
    validateExecutorConfig: (executor, config) => validateExecutorConfig(executors, executor, config),
    validateProcessors: (input) => validateProcessors(processors, input),
    missingPlugins: (jobs) => missingPlugins(executors, processors, jobs),
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
