import {
  type ConfigShape,
  type DkronPlugin,
  type ExecuteContext,
  type ExecuteResult,
  type Execution,
  type ExecutorDefinition,
  type Job,
  type LogFields,
  type Logger,
  type ObjectConfigSchema,
  type OutputSink,
  PLUGIN_API_VERSION,
  type PluginEventHandler,
  type PluginEventName,
  type PluginHost,
  type ProcessorDefinition,
  pluginProblem,
} from '@dkron-core/plugin-api';
import { createTestExecution, createTestJob } from './fixtures.js';

/** An executor as the test host stores it. */
export type TestExecutor = ExecutorDefinition<ObjectConfigSchema<ConfigShape>>;
/** A processor as the test host stores it. */
export type TestProcessor = ProcessorDefinition<ObjectConfigSchema<ConfigShape>>;

/** One line logged by a plugin. */
export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: LogFields;
}

/** An {@link ExecuteContext} whose signal the test controls and whose output it can read. */
export interface TestExecuteContext extends ExecuteContext {
  /** Aborts `signal`. */
  readonly controller: AbortController;
  /** The chunks written through `output`, decoded as UTF-8. */
  readonly chunks: readonly string[];
  /** Everything written through `output`. */
  text(): string;
}

/** Options of {@link TestHost.createContext}. */
export interface TestContextOptions {
  readonly job?: Partial<Job>;
  readonly execution?: Partial<Execution>;
  /** Called with every chunk as it is written. */
  readonly onOutput?: (chunk: string) => void;
}

/** A host harness: records what plugins register and runs their executors and processors like the host. */
export interface TestHost {
  /** The {@link PluginHost} given to `setup`. */
  readonly host: PluginHost;
  readonly executors: ReadonlyMap<string, TestExecutor>;
  readonly processors: ReadonlyMap<string, TestProcessor>;
  readonly handlers: ReadonlyArray<{
    readonly event: PluginEventName;
    readonly handler: PluginEventHandler<PluginEventName>;
  }>;
  /** Lines the plugins logged. */
  readonly logs: readonly LogRecord[];
  /** Checks the plugin's shape and apiVersion, then runs its setup with {@link host}. */
  install(plugin: DkronPlugin): Promise<void>;
  /** The registered executor, or a thrown error naming what is registered. */
  executor(name: string): TestExecutor;
  /** The registered processor, or a thrown error naming what is registered. */
  processor(name: string): TestProcessor;
  /** A fresh context with its own AbortController and output recorder. */
  createContext(options?: TestContextOptions): TestExecuteContext;
  /**
   * Parses `config` with the executor's schema (as the host does, so Dkron's string values work) and
   * runs it. The job's `executor` and `executor_config` are set from the arguments.
   */
  execute(
    name: string,
    config: Record<string, unknown>,
    context?: TestExecuteContext,
  ): Promise<{ result: ExecuteResult; context: TestExecuteContext }>;
  /** Parses `config` with the processor's schema and runs the processor on `execution`. */
  process(
    name: string,
    execution: Execution,
    config?: Record<string, unknown>,
    job?: Partial<Job>,
  ): Promise<Execution>;
}

/** Creates a {@link TestHost}. */
export function createTestHost(options: { readonly nodeName?: string } = {}): TestHost {
  const executors = new Map<string, TestExecutor>();
  const processors = new Map<string, TestProcessor>();
  const handlers: Array<{ event: PluginEventName; handler: PluginEventHandler<PluginEventName> }> = [];
  const logs: LogRecord[] = [];
  const nodeName = options.nodeName ?? 'test-node';
  const logger = recordingLogger(logs);

  const host: PluginHost = {
    apiVersion: PLUGIN_API_VERSION,
    nodeName,
    logger,
    executor(definition) {
      if (executors.has(definition.name)) throw new Error(`executor "${definition.name}" registered twice`);
      executors.set(definition.name, definition as unknown as TestExecutor);
    },
    processor(definition) {
      if (processors.has(definition.name)) throw new Error(`processor "${definition.name}" registered twice`);
      processors.set(definition.name, definition as unknown as TestProcessor);
    },
    on(event, handler) {
      handlers.push({ event, handler: handler as PluginEventHandler<PluginEventName> });
    },
  };

  const pick = <T>(map: ReadonlyMap<string, T>, kind: string, name: string): T => {
    const found = map.get(name);
    if (found === undefined) {
      throw new Error(
        `no ${kind} "${name}" registered (registered: ${[...map.keys()].join(', ') || 'none'})`,
      );
    }
    return found;
  };

  const createContext = (contextOptions: TestContextOptions = {}): TestExecuteContext => {
    const job = createTestJob(contextOptions.job);
    return createTestContext(
      job,
      createTestExecution(contextOptions.execution, job),
      logger,
      contextOptions.onOutput,
    );
  };

  return {
    host,
    executors,
    processors,
    handlers,
    logs,
    async install(plugin) {
      // The host's own shape check, so a plugin passing here passes in the server.
      const problem = pluginProblem(plugin);
      if (problem !== undefined) throw new Error(problem);
      await plugin.setup(host);
    },
    executor: (name) => pick(executors, 'executor', name),
    processor: (name) => pick(processors, 'processor', name),
    createContext,
    async execute(name, config, context) {
      const executor = pick(executors, 'executor', name);
      const ctx = context ?? createContext({ job: { executor: name, executor_config: config } });
      const parsed = executor.config.parse(config, 'executor_config');
      const job = { ...ctx.job, executor: name, executor_config: config };
      const result = await executor.execute({ job, config: parsed, rawConfig: config }, ctx);
      return { result, context: ctx };
    },
    async process(name, execution, config = {}, job) {
      const processor = pick(processors, 'processor', name);
      const parsed = processor.config.parse(config, `processors.${name}`);
      return processor.process(execution, {
        config: parsed,
        job: createTestJob({ name: execution.job_name, processors: { [name]: config }, ...job }),
        reportingNode: nodeName,
        logger,
        signal: new AbortController().signal,
      });
    },
  };
}

function createTestContext(
  job: Job,
  execution: Execution,
  logger: Logger,
  onOutput: ((chunk: string) => void) | undefined,
): TestExecuteContext {
  const controller = new AbortController();
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  let bytes = 0;
  const output: OutputSink = {
    write(chunk) {
      const text =
        typeof chunk === 'string' ? decoder.decode() + chunk : decoder.decode(chunk, { stream: true });
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      if (text === '') return;
      chunks.push(text);
      onOutput?.(text);
    },
    get bytesWritten() {
      return bytes;
    },
  };
  return {
    signal: controller.signal,
    controller,
    output,
    logger,
    execution,
    job,
    chunks,
    text: () => chunks.join(''),
  };
}

function recordingLogger(logs: LogRecord[]): Logger {
  const at =
    (level: LogRecord['level']) =>
    (message: string, fields?: LogFields): void => {
      logs.push({ level, message, ...(fields === undefined ? {} : { fields }) });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
