export type {
  AnyExecutorDefinition,
  AnyProcessorDefinition,
  PluginRegistry,
  PluginRegistryOptions,
  Registered,
  RegisteredExecutor,
  RegisteredProcessor,
} from './registry.js';
export { createPluginRegistry } from './registry.js';
