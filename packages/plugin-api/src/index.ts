export { pluginProblem } from './check-plugin.js';
export type { DkronErrorCode, DkronErrorDetails, DkronErrorOptions } from './errors.js';
export { DkronError, isDkronError, toPluginError } from './errors.js';
export type {
  ConcurrencyPolicy,
  Execution,
  ExecutionStatus,
  Job,
  JobNotify,
  JobStatus,
  NotifyOn,
  StringMap,
} from './model.js';
export { DEFAULT_CATCHUP_WINDOW, defaultJob, ZERO_TIME } from './model.js';
export type {
  DkronPlugin,
  ExecuteContext,
  ExecuteRequest,
  ExecuteResult,
  ExecutorDefinition,
  LogFields,
  Logger,
  OutputSink,
  PluginEventHandler,
  PluginEventName,
  PluginEvents,
  PluginHost,
  ProcessContext,
  ProcessorConfig,
  ProcessorDefinition,
} from './plugin.js';
export { defineExecutor, definePlugin, defineProcessor, PLUGIN_API_VERSION } from './plugin.js';
export type {
  BooleanOptions,
  ConfigSchema,
  ConfigShape,
  Conversion,
  CustomSpec,
  InferConfig,
  InferShape,
  JsonSchema,
  KeyProblem,
  NumberOptions,
  ObjectConfigSchema,
  ObjectOptions,
  SchemaOptions,
  StringOptions,
  UnknownKeys,
} from './schema.js';
export { c, goDurationToMs, msToGoDuration } from './schema.js';
