/**
 * The fluent processor of dkron-core: Dkron's `fluent` processor. It sends each execution's output to
 * Fluent Bit or Fluentd over the Forward protocol and waits for the server's acknowledgement (Dkron
 * posted asynchronously and never knew whether the event arrived), and unless `forward` is true stores
 * a placeholder instead of the output. The server comes from the plugin's options, else from Dkron's
 * `FLUENTBIT_HOST`, `FLUENTBIT_PORT` and `FLUENTBIT_TAG` environment variables.
 *
 * @example
 * ```json
 * { "processors": { "fluent": { "forward": "true" } } }
 * ```
 *
 * @packageDocumentation
 */

import {
  c,
  type DkronPlugin,
  definePlugin,
  defineProcessor,
  PLUGIN_API_VERSION,
} from '@dkron-core/plugin-api';
import { sendWithAck } from './internal/forward.js';

/** Options of {@link fluentProcessor}. Each falls back to Dkron's environment variable, then its default. */
export interface FluentProcessorOptions {
  /** Fluent Bit / Fluentd host. Else `FLUENTBIT_HOST`, else `127.0.0.1`. */
  readonly host?: string;
  /** Its Forward input port. Else `FLUENTBIT_PORT`, else 24224. */
  readonly port?: number;
  /** Tag of the events. Else `FLUENTBIT_TAG`, else `dkron`. */
  readonly tag?: string;
  /** How long connecting, sending and the acknowledgement may take, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /** Read instead of `process.env` (tests). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The name of the plugin made by {@link fluentProcessor}. */
export const FLUENT_PROCESSOR_PLUGIN = '@dkron-core/processor-fluent';

/** The output stored in place of the real one when `forward` is false (Dkron's text). */
export const FLUENT_PLACEHOLDER = 'Output sent to Fluent';

/** The server and tag `options` and the environment give. */
export function fluentTarget(options: FluentProcessorOptions = {}) {
  const env = options.env ?? process.env;
  const fromEnv = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const portText = options.port ?? fromEnv('FLUENTBIT_PORT') ?? 24224;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(
      `fluent: port must be 1-65535, got ${JSON.stringify(portText)} (option port or FLUENTBIT_PORT)`,
    );
  }
  return {
    host: options.host ?? fromEnv('FLUENTBIT_HOST') ?? '127.0.0.1',
    port,
    tag: options.tag ?? fromEnv('FLUENTBIT_TAG') ?? 'dkron',
    timeoutMs: options.timeoutMs ?? 5000,
  };
}

/** Creates the plugin that registers the `fluent` processor. A bad port fails the agent's start. */
export function fluentProcessor(options: FluentProcessorOptions = {}): DkronPlugin {
  return definePlugin({
    name: FLUENT_PROCESSOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      const target = fluentTarget(options);
      host.processor(
        defineProcessor({
          name: 'fluent',
          description: `Sends each execution's output to Fluent (${target.host}:${target.port}, tag ${target.tag}) and waits for its ack.`,
          config: c.object({
            forward: c
              .boolean({
                description: 'Also keep the output in the execution record; otherwise store a placeholder.',
              })
              .default(false),
          }),
          async process(execution, context) {
            // Dkron's record: host, job_name, message; plus what tells runs apart.
            await sendWithAck(
              target,
              target.tag,
              Date.parse(execution.finished_at) || Date.now(),
              {
                host: execution.node_name,
                job_name: execution.job_name,
                message: execution.output,
                execution_id: execution.id,
                success: execution.success,
                attempt: execution.attempt,
                started_at: execution.started_at,
                finished_at: execution.finished_at,
                reporting_node: context.reportingNode,
              },
              context.signal,
            );
            return context.config.forward ? execution : { ...execution, output: FLUENT_PLACEHOLDER };
          },
        }),
      );
    },
  });
}
