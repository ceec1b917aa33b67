/**
 * The RabbitMQ executor of dkron-core: Dkron's `rabbitmq` executor (the same `executor_config` keys:
 * `url`, `exchange`, `queue.*`, `message.*`), as a plugin on the public plugin API. Every message is
 * published in confirm mode and as `mandatory`: the run succeeds only once the broker confirmed it,
 * and fails when the broker returns it as unroutable (Dkron succeeded on both).
 *
 * @example
 * ```json
 * { "name": "nightly-report", "schedule": "0 0 2 * * *", "executor": "rabbitmq",
 *   "executor_config": { "url": "amqp://guest:guest@127.0.0.1:5672/", "queue.name": "reports",
 *     "queue.create": "true", "queue.durable": "true", "message.body": "run", "message.delivery_mode": "2" } }
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type RabbitmqConfig, rabbitmqConfig } from './internal/config.js';
import { executeRabbitmq } from './internal/execute-rabbitmq.js';
import { createPool } from './internal/pool.js';

/** Options of {@link rabbitmqExecutor}. */
export interface RabbitmqExecutorOptions {
  /** A connection unused this long is closed, in ms. Default 30 000. */
  readonly idleMs?: number;
  /** Connection name the broker shows (management UI). Default `dkron-core`. */
  readonly connectionName?: string;
}

/** The name of the plugin made by {@link rabbitmqExecutor}. */
export const RABBITMQ_EXECUTOR_PLUGIN = '@dkron-core/executor-rabbitmq';

/** Creates the plugin that registers the `rabbitmq` executor. Connections are pooled per URL. */
export function rabbitmqExecutor(options: RabbitmqExecutorOptions = {}): DkronPlugin {
  const pool = createPool({ idleMs: options.idleMs ?? 30_000, name: options.connectionName ?? 'dkron-core' });
  return definePlugin({
    name: RABBITMQ_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'rabbitmq',
          description: 'Publishes a message to a RabbitMQ exchange or queue, with publisher confirms.',
          config: rabbitmqConfig,
          execute: (request, context) => executeRabbitmq(request, context, pool),
        }),
      );
    },
    close: () => pool.close(),
  });
}

export type { RabbitmqConfig };
