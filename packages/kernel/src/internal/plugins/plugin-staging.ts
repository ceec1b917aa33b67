import {
  type DkronPlugin,
  type JsonSchema,
  type Logger,
  PLUGIN_API_VERSION,
  type PluginEventName,
  type PluginHost,
} from '@dkron-core/plugin-api';
import { bindLogger, errorMessage } from './bind-logger.js';
import { exportSchema } from './config-validation.js';
import type { EventHandler } from './event-handlers.js';
import { checkDefinition, pluginInvalid } from './plugin-checks.js';
import type {
  AnyExecutorDefinition,
  AnyProcessorDefinition,
  Registered,
  RegisteredExecutor,
  RegisteredProcessor,
} from './registered.js';

/** What one plugin's setup registered, kept apart until every check passed. */
export interface Staged {
  readonly executors: RegisteredExecutor[];
  readonly processors: RegisteredProcessor[];
  readonly handlers: Array<{ event: PluginEventName; handler: EventHandler }>;
}

/**
 * The host one plugin's setup talks to: it stages what the plugin registers into `staged` and refuses
 * calls once `isOpen` says the setup finished.
 */
export function stagingHost(
  plugin: DkronPlugin,
  staged: Staged,
  isOpen: () => boolean,
  nodeName: string,
  logger: Logger,
): PluginHost {
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
    nodeName,
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

/** Refuses staged names that another plugin (or this one, twice) already registered. */
export function checkNames(
  taken: ReadonlyMap<string, Registered<unknown>>,
  plugin: string,
  kind: 'executor' | 'processor',
  staged: readonly Registered<unknown>[],
): void {
  const seen = new Set<string>();
  for (const entry of staged) {
    const owner = taken.get(entry.name)?.plugin ?? (seen.has(entry.name) ? plugin : undefined);
    if (owner !== undefined) {
      throw pluginInvalid(plugin, `${kind} "${entry.name}" is already registered by plugin ${owner}`);
    }
    seen.add(entry.name);
  }
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
