/**
 * The kafka executor of dkron-core: Dkron's `kafka` executor (its `executor_config` keys and output),
 * producing one message per run with acks=all, on @platformatic/kafka.
 *
 * @example
 * ```ts
 * import { kafkaExecutor } from '@dkron-core/executor-kafka';
 * const plugin = kafkaExecutor({ clientId: 'dkron-prod' });
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type KafkaConfig, kafkaConfig } from './internal/config.js';
import { executeKafka, type ProducerLike, type ProducerSettings } from './internal/execute-kafka.js';

/** Options of {@link kafkaExecutor}. */
export interface KafkaExecutorOptions {
  /** The client id the brokers see. Default `dkron`. */
  readonly clientId?: string;
  /** Produce attempts after a retriable failure, within the run's `timeout`. Default 5 (Dkron's). */
  readonly retries?: number;
}

/** The name of the plugin made by {@link kafkaExecutor}. */
export const KAFKA_EXECUTOR_PLUGIN = '@dkron-core/executor-kafka';

/** Creates the plugin that registers the `kafka` executor. */
export function kafkaExecutor(options: KafkaExecutorOptions = {}): DkronPlugin {
  const clientId = options.clientId ?? 'dkron';
  if (typeof clientId !== 'string' || clientId === '') {
    throw new TypeError(`${KAFKA_EXECUTOR_PLUGIN}: option clientId must be a non-empty string`);
  }
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new TypeError(
      `${KAFKA_EXECUTOR_PLUGIN}: option retries must be an integer >= 0, got ${JSON.stringify(retries)}`,
    );
  }
  return definePlugin({
    name: KAFKA_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'kafka',
          description: 'Produces one message to a Kafka topic (acks=all).',
          config: kafkaConfig,
          execute: (request, context) =>
            executeKafka(request, context, { clientId, retries, createProducer }),
        }),
      );
    },
  });
}

let client: Promise<typeof import('@platformatic/kafka')> | undefined;
// Loaded at the first run (or save) of a kafka job: an agent that has none never loads it.
const loadClient = () => {
  client ??= import('@platformatic/kafka');
  return client;
};

async function createProducer(settings: ProducerSettings): Promise<ProducerLike> {
  const { Producer } = await loadClient();
  return new Producer({
    clientId: settings.clientId,
    bootstrapBrokers: settings.bootstrapBrokers,
    ...(settings.tls === undefined ? {} : { tls: { ...settings.tls } }),
    ...(settings.sasl === undefined
      ? {}
      : {
          sasl: {
            mechanism: settings.sasl.mechanism as 'PLAIN',
            username: settings.sasl.username,
            password: settings.sasl.password,
          },
        }),
    connectTimeout: settings.timeout,
    timeout: settings.timeout,
    retries: settings.retries,
    autocreateTopics: false,
    idempotent: false,
  }) as unknown as ProducerLike;
}

export type { KafkaConfig };
