/**
 * The shell executor of dkron-core: Dkron's `shell` executor (every `executor_config` key, the same
 * messages), as a plugin built on the public plugin API.
 *
 * dkron-core loads it as a built-in. A job uses it with `"executor": "shell"`:
 *
 * @example
 * ```json
 * { "name": "backup", "schedule": "@daily", "executor": "shell",
 *   "executor_config": { "command": "/usr/local/bin/backup.sh", "timeout": "1h" } }
 * ```
 *
 * Run it in a test through the kit's test host:
 *
 * @example
 * ```ts
 * import { shellExecutor } from '@dkron-core/executor-shell';
 * import { createTestHost } from '@dkron-core/plugin-testing';
 *
 * const harness = createTestHost();
 * await harness.install(shellExecutor());
 * const { result, context } = await harness.execute('shell', { command: 'echo hi' });
 * // result.success === true, context.text() === 'hi\n'
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type ShellConfig, shellConfig } from './internal/config.js';
import { executeShell } from './internal/execute-shell.js';
import { createMemoryWatch } from './internal/memory-watch.js';
import { createReaper } from './internal/reaper.js';

/** Options of {@link shellExecutor}. */
export interface ShellExecutorOptions {
  /** How often the memory of jobs with a `mem_limit` is read, in ms. Default 1000 (Dkron's). */
  readonly memoryPollMs?: number;
  /** The shell of `shell: true`, run as `<shellPath> -c <command>`. Default `/bin/sh`. */
  readonly shellPath?: string;
  /** The environment jobs start from. Default: the agent's `process.env` at each run. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The name of the plugin made by {@link shellExecutor}. */
export const SHELL_EXECUTOR_PLUGIN = '@dkron-core/executor-shell';

/**
 * Creates the plugin that registers the `shell` executor.
 *
 * Every job runs as the leader of its own process group, so `timeout`, `mem_limit` and cancellation
 * kill the whole tree, grandchildren included; the groups die with the agent too, even one killed with
 * SIGKILL (a small reaper process per executor, see `createReaper`).
 */
export function shellExecutor(options: ShellExecutorOptions = {}): DkronPlugin {
  const reaper = createReaper();
  const deps = {
    shellPath: options.shellPath ?? '/bin/sh',
    memoryWatch: createMemoryWatch(options.memoryPollMs ?? 1000),
    baseEnv: () => options.env ?? process.env,
    reaper,
  };
  return definePlugin({
    name: SHELL_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'shell',
          description: 'Runs a command on the node, directly or through /bin/sh.',
          config: shellConfig,
          execute: (request, context) => executeShell(request, context, deps),
        }),
      );
    },
    close() {
      reaper.close();
    },
  });
}

export type { ShellConfig };
