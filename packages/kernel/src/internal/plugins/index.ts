export type {
  AnyExecutorDefinition,
  AnyProcessorDefinition,
  MissingPlugins,
  PluginRegistry,
  PluginRegistryOptions,
  Registered,
  RegisteredExecutor,
  RegisteredProcessor,
} from './registry.js';
export { createPluginRegistry } from './registry.js';
