/**
 * The log processor of dkron-core: Dkron's `log` processor. It prints each execution's output to the
 * agent's stdout (success) or stderr (failure), framed with the job and execution, and unless
 * `forward` is true stores a placeholder instead of the output.
 *
 * @example
 * ```json
 * { "processors": { "log": { "forward": "true" } } }
 * ```
 *
 * @packageDocumentation
 */

import type { Writable } from 'node:stream';
import {
  c,
  type DkronPlugin,
  definePlugin,
  defineProcessor,
  type Execution,
  PLUGIN_API_VERSION,
} from '@dkron-core/plugin-api';

/** Options of {@link logProcessor}. */
export interface LogProcessorOptions {
  /** Where successful executions are printed. Default `process.stdout`. */
  readonly stdout?: Writable;
  /** Where failed executions are printed. Default `process.stderr`. */
  readonly stderr?: Writable;
}

/** The name of the plugin made by {@link logProcessor}. */
export const LOG_PROCESSOR_PLUGIN = '@dkron-core/processor-log';

/** The output stored in place of the real one when `forward` is false (Dkron's text). */
export const LOG_PLACEHOLDER = 'Output in dkron log';

/** Creates the plugin that registers the `log` processor. */
export function logProcessor(options: LogProcessorOptions = {}): DkronPlugin {
  return definePlugin({
    name: LOG_PROCESSOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.processor(
        defineProcessor({
          name: 'log',
          description: "Prints each execution's output to the agent's stdout (success) or stderr (failure).",
          config: c.object({
            forward: c
              .boolean({
                description: 'Also keep the output in the execution record; otherwise store a placeholder.',
              })
              .default(false),
          }),
          process(execution, context) {
            const stream = execution.success
              ? (options.stdout ?? process.stdout)
              : (options.stderr ?? process.stderr);
            // One write per execution, so concurrent executions' blocks do not interleave line by line.
            stream.write(frame(execution));
            return context.config.forward ? execution : { ...execution, output: LOG_PLACEHOLDER };
          },
        }),
      );
    },
  });
}

function frame(execution: Execution): string {
  return (
    `----- BEGIN OUTPUT job=${execution.job_name} execution=${execution.id} -----\n` +
    `${execution.output}\n----- END OUTPUT -----\n`
  );
}
