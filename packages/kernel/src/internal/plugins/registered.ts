import type {
  ConfigShape,
  ExecutorDefinition,
  JsonSchema,
  ObjectConfigSchema,
  ProcessorDefinition,
} from '@dkron-core/plugin-api';

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

/** Jobs naming executors or processors that no loaded plugin provides, by the missing name. */
export interface MissingPlugins {
  /** Missing executor → names of the jobs using it, in the order given. */
  readonly executors: ReadonlyMap<string, readonly string[]>;
  /** Missing processor → names of the jobs configuring it. */
  readonly processors: ReadonlyMap<string, readonly string[]>;
}
