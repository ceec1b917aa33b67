/**
 * The gcppubsub executor of dkron-core: Dkron's `gcppubsub` executor (its `executor_config` keys and
 * output), publishing one message per run with the official @google-cloud/pubsub client.
 *
 * Credentials are Google's Application Default Credentials; `PUBSUB_EMULATOR_HOST` (or the
 * `apiEndpoint` option) sends every publish to an emulator instead.
 *
 * @example
 * ```ts
 * import { pubsubExecutor } from '@dkron-core/executor-gcppubsub';
 * const plugin = pubsubExecutor();
 * ```
 *
 * @packageDocumentation
 */

import { type DkronPlugin, defineExecutor, definePlugin, PLUGIN_API_VERSION } from '@dkron-core/plugin-api';
import { type PubSubConfig, pubsubConfig } from './internal/config.js';
import { executePubSub, type Publish } from './internal/execute-pubsub.js';

/** Options of {@link pubsubExecutor}. */
export interface PubSubExecutorOptions {
  /**
   * Where publishes go, `host:port`. Default: `PUBSUB_EMULATOR_HOST` when set (an emulator, no
   * credentials), else Google's endpoint.
   */
  readonly apiEndpoint?: string;
  /** Clients kept, one per project, least recently used closed first. Default 20. */
  readonly maxClients?: number;
}

/** The name of the plugin made by {@link pubsubExecutor}. */
export const PUBSUB_EXECUTOR_PLUGIN = '@dkron-core/executor-gcppubsub';

interface TopicLike {
  publishMessage(message: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
}
interface ClientLike {
  topic(name: string, options: object): TopicLike;
  close(): Promise<void>;
}

let loaded: Promise<typeof import('@google-cloud/pubsub')> | undefined;
const loadClient = () => {
  loaded ??= import('@google-cloud/pubsub');
  return loaded;
};

/** Creates the plugin that registers the `gcppubsub` executor. */
export function pubsubExecutor(options: PubSubExecutorOptions = {}): DkronPlugin {
  const maxClients = options.maxClients ?? 20;
  if (!Number.isInteger(maxClients) || maxClients < 1) {
    throw new TypeError(`${PUBSUB_EXECUTOR_PLUGIN}: option maxClients must be an integer >= 1`);
  }
  // One client per project: a client holds gRPC channels, made once, not per run.
  const clients = new Map<string, Promise<ClientLike>>();
  const client = (project: string): Promise<ClientLike> => {
    let found = clients.get(project);
    if (found !== undefined) {
      clients.delete(project);
    } else {
      found = (async () => {
        // Loaded at the first run: an agent that runs no gcppubsub job never loads the client.
        const { PubSub } = await loadClient();
        return new PubSub({
          projectId: project,
          ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
        }) as unknown as ClientLike;
      })();
      found.catch(() => clients.delete(project));
    }
    clients.set(project, found);
    if (clients.size > maxClients) {
      const [oldest, evicted] = clients.entries().next().value as [string, Promise<ClientLike>];
      clients.delete(oldest);
      void evicted.then((c) => c.close()).catch(() => {});
    }
    return found;
  };
  const publish: Publish = async (target, message, timeoutMs) => {
    const topic = (await client(target.project)).topic(target.topic, {
      // One message per run: send it now rather than waiting to batch.
      batching: { maxMessages: 1, maxMilliseconds: 0 },
      ...(timeoutMs > 0 ? { gaxOpts: { timeout: timeoutMs } } : {}),
    });
    return topic.publishMessage({ data: message.data, attributes: message.attributes });
  };
  return definePlugin({
    name: PUBSUB_EXECUTOR_PLUGIN,
    apiVersion: PLUGIN_API_VERSION,
    setup(host) {
      host.executor(
        defineExecutor({
          name: 'gcppubsub',
          description: 'Publishes one message to a Google Cloud Pub/Sub topic.',
          config: pubsubConfig,
          execute: (request, context) => executePubSub(request, context, publish),
        }),
      );
      // The client takes a moment to load: a node that stores a gcppubsub job loads it then.
      host.on('job:saved', ({ job }) => {
        if (job.executor === 'gcppubsub') void loadClient().catch(() => {});
      });
    },
    async close() {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => {})));
    },
  });
}

export type { PubSubConfig };
