/**
 * The plugin contract: a plugin package exports a named factory returning a {@link DkronPlugin};
 * the host calls its `setup` once at start with a {@link PluginHost}, through which it registers
 * executors and processors and subscribes to events.
 *
 * @example
 * ```ts
 * import { c, defineExecutor, definePlugin } from '@dkron-core/plugin-api';
 *
 * export function echoExecutor() {
 *   return definePlugin({
 *     name: 'dkron-executor-echo',
 *     apiVersion: 1,
 *     setup(host) {
 *       host.executor(defineExecutor({
 *         name: 'echo',
 *         config: c.object({ text: c.string() }),
 *         async execute(req, ctx) {
 *           ctx.output.write(req.config.text);   // req.config is { text: string }
 *           return { success: true };
 *         },
 *       }));
 *     },
 *   });
 * }
 * ```
 *
 * @packageDocumentation
 */

import type { Execution, Job, StringMap } from './model.js';
import type { ConfigShape, InferConfig, ObjectConfigSchema } from './schema.js';

/** The plugin API version this package describes. A host refuses plugins declaring another one. */
export const PLUGIN_API_VERSION = 1;

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger a plugin is given. Lines carry the plugin name (and job/execution inside an execution). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A plugin: a plain object made by a factory, checked when registered. */
export interface DkronPlugin {
  /** Package-like unique name, e.g. `@dkron-core/executor-shell`. */
  readonly name: string;
  /** Must equal the host's {@link PLUGIN_API_VERSION}. */
  readonly apiVersion: number;
  /** Registers what the plugin provides. A throw (or rejection) fails the agent's start, naming the plugin. */
  setup(host: PluginHost): void | Promise<void>;
  /** Releases resources (connections, timers) at shutdown. */
  close?(): void | Promise<void>;
}

/** What the host offers a plugin during `setup`. */
export interface PluginHost {
  /** The host's plugin API version. */
  readonly apiVersion: number;
  /** Name of the node the plugin runs on. */
  readonly nodeName: string;
  /** A logger bound to the plugin's name. */
  readonly logger: Logger;
  /** Registers an executor. Executor names are unique across all plugins. */
  executor<S extends ObjectConfigSchema<ConfigShape>>(definition: ExecutorDefinition<S>): void;
  /** Registers a processor. Processor names are unique across all plugins. */
  processor<S extends ObjectConfigSchema<ConfigShape>>(definition: ProcessorDefinition<S>): void;
  /** Subscribes to an event. A throwing handler is logged and never affects the execution. */
  on<E extends PluginEventName>(event: E, handler: PluginEventHandler<E>): void;
}

/** Receives the output of a running execution; chunks are streamed live and capped by the host. */
export interface OutputSink {
  /** Appends a chunk. Never throws; the host keeps the tail when the cap is reached. */
  write(chunk: string | Uint8Array): void;
  /** Bytes written so far (before capping). */
  readonly bytesWritten: number;
}

/** What an executor is asked to run. */
export interface ExecuteRequest<Config> {
  /** The job being run. */
  readonly job: Job;
  /** `job.executor_config`, parsed and typed by the executor's schema. */
  readonly config: Config;
  /** `job.executor_config` exactly as stored. */
  readonly rawConfig: Readonly<Record<string, unknown>>;
}

/** The context of one execution. A plugin acts only through it. */
export interface ExecuteContext {
  /** Aborted on timeout, cancellation (`concurrency: replace`, API) and shutdown. Stop work promptly. */
  readonly signal: AbortSignal;
  /** Where the executor writes output. */
  readonly output: OutputSink;
  /** A logger bound to the plugin, job and execution. */
  readonly logger: Logger;
  /** The execution record (status `running`). */
  readonly execution: Execution;
  /** The job (same as `request.job`). */
  readonly job: Job;
}

/**
 * The result of an execution. `success: false` with an `error` marks it failed; the stored output is
 * `error` followed by the written output, as in Dkron. `output`, when given, is appended to what was
 * written through {@link OutputSink}.
 */
export interface ExecuteResult {
  readonly success: boolean;
  readonly error?: string;
  readonly output?: string;
}

/** An executor: runs a job's work somewhere. */
export interface ExecutorDefinition<S extends ObjectConfigSchema<ConfigShape>> {
  /** Name used in `job.executor`, e.g. `shell`. */
  readonly name: string;
  /** Shown in the API and the UI. */
  readonly description?: string;
  /** Schema of `executor_config`; the API rejects configs that do not parse. */
  readonly config: S;
  /** Runs one execution. Throwing is allowed: the host turns it into a failed execution. */
  execute(request: ExecuteRequest<InferConfig<S>>, context: ExecuteContext): Promise<ExecuteResult>;
}

/** The context of one processor call. */
export interface ProcessContext<Config> {
  /** The processor's entry of `job.processors`, parsed and typed. */
  readonly config: Config;
  /** The job configuring the processor. */
  readonly job: Job;
  /** Name of the node that reports (runs the processors). */
  readonly reportingNode: string;
  /** A logger bound to the plugin, job and execution. */
  readonly logger: Logger;
  /** Aborted at shutdown. */
  readonly signal: AbortSignal;
}

/** A processor: sees every finished execution of the jobs that configure it, and may change what is stored. */
export interface ProcessorDefinition<S extends ObjectConfigSchema<ConfigShape>> {
  /** Name used as key in `job.processors`, e.g. `log`. */
  readonly name: string;
  readonly description?: string;
  /** Schema of the processor's config map. */
  readonly config: S;
  /** Returns the execution to store (the same object when nothing changes). */
  process(execution: Execution, context: ProcessContext<InferConfig<S>>): Execution | Promise<Execution>;
}

/** Events a plugin can subscribe to with {@link PluginHost.on}. */
export interface PluginEvents {
  /** An execution started on this node. */
  'execution:start': { readonly job: Job; readonly execution: Execution };
  /** A chunk of output was written. */
  'execution:output': { readonly job: Job; readonly execution: Execution; readonly chunk: string };
  /** An execution finished (after processors); `execution.status` says how. */
  'execution:done': { readonly job: Job; readonly execution: Execution };
  /** A job was created or updated. */
  'job:saved': { readonly job: Job };
  /** A job was deleted. */
  'job:deleted': { readonly job: Job };
  /**
   * Scheduled slots of a job passed without running: older than the job's catch-up window after
   * downtime (`late`), skipped because the previous run was still in progress (`concurrency: forbid`),
   * or not run because the store could not record their launch (`store`: unavailable, disk full).
   */
  'schedule:missed': {
    readonly job: Job;
    readonly count: number;
    readonly reason: 'late' | 'forbid' | 'store';
  };
}

/** Names of {@link PluginEvents}. */
export type PluginEventName = keyof PluginEvents;

/** Handler of one event. */
export type PluginEventHandler<E extends PluginEventName> = (
  payload: PluginEvents[E],
) => void | Promise<void>;

/** Identity helper that types a plugin object. */
export function definePlugin<P extends DkronPlugin>(plugin: P): P {
  return plugin;
}

/** Identity helper that infers the executor's config type from its schema. */
export function defineExecutor<S extends ObjectConfigSchema<ConfigShape>>(
  definition: ExecutorDefinition<S>,
): ExecutorDefinition<S> {
  return definition;
}

/** Identity helper that infers the processor's config type from its schema. */
export function defineProcessor<S extends ObjectConfigSchema<ConfigShape>>(
  definition: ProcessorDefinition<S>,
): ProcessorDefinition<S> {
  return definition;
}

/** A processor config map as stored on the job. */
export type ProcessorConfig = StringMap;
