/**
 * `tcp-check`: a dkron-core executor that connects to a TCP service, optionally sends a line and waits
 * for an expected answer. A complete third-party plugin to copy: one named factory returning a plugin,
 * a config schema, an executor that honours its AbortSignal and writes through `ctx.output`.
 *
 * @example
 * ```ts
 * import { tcpCheckExecutor } from 'dkron-executor-tcp-check';
 * import { createTestHost } from '@dkron-core/plugin-testing';
 *
 * const harness = createTestHost();
 * await harness.install(tcpCheckExecutor());
 * const { result } = await harness.execute('tcp-check', { address: '127.0.0.1:6379', send: 'PING', expect: 'PONG' });
 * ```
 *
 * @packageDocumentation
 */

import { connect } from 'node:net';
import {
  c,
  type DkronPlugin,
  defineExecutor,
  definePlugin,
  type InferConfig,
  PLUGIN_API_VERSION,
} from '@dkron-core/plugin-api';

/** Options of {@link tcpCheckExecutor}: the agent's settings, given in its config file's `plugins:`. */
export interface TcpCheckOptions {
  /** The executor's name in jobs (`"executor": "tcp-check"`). */
  readonly executorName?: string;
  /** Most bytes of the answer kept in the output. Default 4096. */
  readonly maxAnswerBytes?: number;
}

/** The executor's `executor_config`. Dkron sends every value as a string: the schema accepts both. */
export const tcpCheckConfig = c.object({
  address: c.string({
    pattern: /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/,
    description: 'host:port to connect to.',
  }),
  timeout: c.duration({ min: 1, description: 'How long the whole check may take.' }).default(5000),
  send: c.string({ description: 'A line sent once connected ("\\n" is added).' }).default(''),
  expect: c.string({ description: 'Text the answer must contain; empty: connecting is enough.' }).default(''),
});

/** The parsed config. */
export type TcpCheckConfig = InferConfig<typeof tcpCheckConfig>;

/** Creates the plugin. dkron-core calls it with the `options` of its `plugins:` entry. */
export function tcpCheckExecutor(options: TcpCheckOptions = {}): DkronPlugin {
  const maxAnswer = options.maxAnswerBytes ?? 4096;
  return definePlugin({
    name: 'dkron-executor-tcp-check',
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: options.executorName ?? 'tcp-check',
          description: 'Connects to a TCP service, optionally sends a line and checks the answer.',
          config: tcpCheckConfig,
          execute: async (request, context) => {
            const config = request.config;
            if (context.signal.aborted) return { success: false, error: 'cancelled before connecting' };
            const sep = config.address.lastIndexOf(':');
            const hostName = config.address.slice(0, sep).replace(/^\[|\]$/g, '');
            const port = Number(config.address.slice(sep + 1));
            const started = performance.now();
            return new Promise((resolve) => {
              let answer = '';
              const socket = connect({ host: hostName, port });
              const finish = (success: boolean, error?: string) => {
                clearTimeout(timer);
                context.signal.removeEventListener('abort', onAbort);
                socket.destroy();
                resolve(success ? { success } : { success, error: error ?? 'failed' });
              };
              const timer = setTimeout(
                () => finish(false, `no answer from ${config.address} within ${config.timeout} ms`),
                config.timeout,
              );
              const onAbort = () => finish(false, `cancelled while checking ${config.address}`);
              context.signal.addEventListener('abort', onAbort, { once: true });
              socket.on('error', (error) =>
                finish(false, `cannot connect to ${config.address}: ${error.message}`),
              );
              socket.on('connect', () => {
                context.output.write(
                  `connected to ${config.address} in ${Math.round(performance.now() - started)} ms\n`,
                );
                if (config.send !== '') socket.write(`${config.send}\n`);
                if (config.expect === '') finish(true);
              });
              socket.on('data', (data: Buffer) => {
                if (answer.length < maxAnswer) {
                  const text = data.toString('utf8').slice(0, maxAnswer - answer.length);
                  answer += text;
                  context.output.write(text);
                }
                if (answer.includes(config.expect)) finish(true);
              });
              socket.on('end', () =>
                finish(
                  false,
                  `${config.address} closed the connection before answering ${JSON.stringify(config.expect)}`,
                ),
              );
            });
          },
        }),
      );
    },
  });
}
