/**
 * dkron-core's CLI: `main` is what `bin/dkron-core.js` runs; the other exports are the pieces the
 * agent wiring and tests use. Only light modules are imported here (see commands/agent.ts).
 *
 * @packageDocumentation
 */

import { homedir } from 'node:os';
import { runCli } from './commands/run-cli.js';
import { type CliContext, EXIT } from './commands/types.js';
import { describeStartupError } from './lifecycle/startup-error.js';

export type { RunAgentOptions } from './agent/types.js';
export { COMMANDS, runCli } from './commands/run-cli.js';
export type { CliContext, Command, FlagDoc } from './commands/types.js';
export { EXIT } from './commands/types.js';
export type { AgentConfig, LogLevel, PluginEntry, Profile } from './config/agent-config.js';
export { defaultAgentConfig } from './config/agent-config.js';
export { isUsageError, UsageError } from './config/errors.js';
export type { LoadConfigInput, LoadedConfig } from './config/load-config.js';
export { loadConfig } from './config/load-config.js';
export { AGENT_OPTIONS } from './config/options.js';
export type { SignalHandlerOptions, SignalHandlers, SignalSource } from './lifecycle/signals.js';
export { installSignalHandlers } from './lifecycle/signals.js';
export { describeStartupError } from './lifecycle/startup-error.js';
export type { AppLogger, LoggerOutput } from './logging/create-logger.js';
export { createLogger, toLogger } from './logging/create-logger.js';
// builtinPlugins is deliberately not re-exported: importing it loads every built-in plugin, which
// `version` and `keygen` should not pay for. The agent imports it from './plugins/builtin.js'.
export type { LoadPluginsOptions } from './plugins/load-plugins.js';
export { loadPlugins } from './plugins/load-plugins.js';

/** The real process as a {@link CliContext}. */
function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    home: process.env.HOME ?? homedir(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

/**
 * Runs `dkron-core` with `argv` (the arguments after the program name) and resolves to the exit
 * status: 0 ok, 1 runtime failure, 2 usage or config error.
 */
export async function main(argv: string[], context: CliContext = processContext()): Promise<number> {
  try {
    return await runCli(argv, context);
  } catch (err) {
    context.stderr(`dkron-core: ${describeStartupError(err)}\n`);
    return EXIT.failure;
  }
}
