/**
 * The NATS executor of dkron-core: Dkron's `nats` executor (the same `executor_config` keys), as a
 * plugin on the public plugin API. Unlike Dkron, a refused publish (permissions, no JetStream stream,
 * no acknowledgement) fails the execution, and `jetstream: true` publishes with an acknowledgement.
 *
 * @example
 * ```json
 * { "name": "tick", "schedule": "@every 1m", "executor": "nats",
 *   "executor_config": { "url": "nats://127.0.0.1:4222", "subject": "jobs.tick", "message": "tick" } }
 * ```
 *
 * In a test, through the kit's test host:
 *
 * @example
 * ```ts
 * import { natsExecutor } from '@dkron-core/executor-nats';
 * import { createTestHost } from '@dkron-core/plugin-testing';
 *
 * const harness = createTestHost();
 * const plugin = natsExecutor();
 * await harness.install(plugin);
 * const { result } = await harness.execute('nats', { url: 'nats://127.0.0.1:4222', subject: 'a.b' });
 * await plugin.close?.();
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type NatsConfig, natsConfig } from './internal/config.js';
import { executeNats } from './internal/execute-nats.js';
import { createPool } from './internal/pool.js';

/** Options of {@link natsExecutor}. */
export interface NatsExecutorOptions {
  /** A connection unused this long is closed, in ms. Default 30 000. */
  readonly idleMs?: number;
  /** Client name the server shows for the executor's connections. Default `dkron-core`. */
  readonly connectionName?: string;
}

/** The name of the plugin made by {@link natsExecutor}. */
export const NATS_EXECUTOR_PLUGIN = '@dkron-core/executor-nats';

/**
 * Creates the plugin that registers the `nats` executor. Connections are kept open between runs (one
 * per server list, credentials and subject) and closed when idle or when the plugin closes.
 */
export function natsExecutor(options: NatsExecutorOptions = {}): DkronPlugin {
  const pool = createPool({ idleMs: options.idleMs ?? 30_000, name: options.connectionName ?? 'dkron-core' });
  return definePlugin({
    name: NATS_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'nats',
          description:
            'Publishes a message to a NATS subject, optionally through JetStream with an acknowledgement.',
          config: natsConfig,
          execute: (request, context) => executeNats(request, context, pool),
        }),
      );
    },
    close: () => pool.close(),
  });
}

export type { NatsConfig };
