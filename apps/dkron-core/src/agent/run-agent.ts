import type { AddressInfo } from 'node:net';
import { type ApiOptions, createApi } from '@dkron-core/api';
import { createAgent, createPluginRegistry, type Store } from '@dkron-core/kernel';
import { createNotifier, toNotifierOptions } from '@dkron-core/notify';
import { DkronError } from '@dkron-core/plugin-api';
import { createRqliteStore, startEmbeddedRqlite } from '@dkron-core/store-rqlite';
import { serve } from '@hono/node-server';
import { packageVersion } from '../commands/version.js';
import type { AgentConfig } from '../config/agent-config.js';
import { watchLauncher } from '../lifecycle/launcher.js';
import { installSignalHandlers } from '../lifecycle/signals.js';
import { createAgentMetrics } from '../metrics/metrics.js';
import { createStatsdSink } from '../metrics/statsd.js';
import type { RunAgentOptions } from './types.js';
import { listenUrls } from './urls.js';

/** `:8080` → all interfaces; `127.0.0.1:8080`; `[::1]:8080`. */
export function parseListenAddress(addr: string): { hostname?: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*))?:(\d+)$/.exec(addr);
  if (!match) throw new DkronError('VALIDATION', `--http-addr: invalid address "${addr}"`);
  const hostname = match[1] ?? match[2] ?? '';
  return { ...(hostname === '' ? {} : { hostname }), port: Number(match[3]) };
}

/**
 * Runs a server agent until it is stopped: the embedded (or external) rqlite store, the plugins,
 * the kernel agent and the HTTP API. Resolves to the process exit status.
 */
export async function runAgent(config: AgentConfig, options: RunAgentOptions): Promise<number> {
  const logger = options.logger.toPluginLogger({ component: 'agent' });
  if (!config.server) {
    throw new DkronError(
      'VALIDATION',
      'plain agents (without --server) need the cluster, which this dkron-core does not have yet; start with --server',
    );
  }
  const listen = parseListenAddress(config.httpAddr);

  const registry = createPluginRegistry({
    nodeName: config.nodeName,
    logger: options.logger.toPluginLogger({}),
  });
  for (const plugin of options.plugins) await registry.register(plugin);
  const metrics = config.enablePrometheus ? createAgentMetrics() : undefined;
  if (metrics) await registry.register(metrics.plugin);
  // StatsD / DogStatsD sinks are plugins too: `registry.close()` at shutdown flushes and closes them.
  if (config.statsdAddr !== '') {
    await registry.register(createStatsdSink({ kind: 'statsd', address: config.statsdAddr }));
  }
  if (config.dogStatsdAddr !== '') {
    await registry.register(
      createStatsdSink({
        kind: 'dogstatsd',
        address: config.dogStatsdAddr,
        tags: config.dogStatsdTags,
        nodeName: config.nodeName,
      }),
    );
  }

  logger.info(`data dir ${config.dataDir}`, { dataDir: config.dataDir });
  const store = await openStore(config, options);
  let stopStore: (() => Promise<void>) | undefined = () => store.close();
  try {
    let leave: (() => void) | undefined;
    const notifier = createNotifier(
      toNotifierOptions(config, options.logger.toPluginLogger({ component: 'notify' })),
    );
    const agent = createAgent({
      notifier,
      nodeName: config.nodeName,
      version: packageVersion(),
      store,
      registry,
      logger,
      server: config.server,
      tags: config.tags,
      datacenter: config.datacenter,
      rpcPort: config.advertiseRpcPort,
      region: config.region,
      defaultTimezone: config.defaultTimezone,
      maxExecutionsPerJob: config.maxExecutionsPerJob,
      onLeave: () => leave?.(),
    });
    await agent.start();
    metrics?.attach({
      scheduledJobs: () => agent.scheduledCount(),
      runningExecutions: async () => (await agent.busy()).length,
    });

    const apiOptions: ApiOptions = {
      agent,
      logger: options.logger.toPluginLogger({ component: 'api' }),
      maxExecutionsPerJob: config.maxExecutionsPerJob,
      extras: {
        jobGraph: (name) => agent.jobGraph(name),
        ...(metrics ? { metrics: () => metrics.render() } : {}),
        debugVars: async () => ({
          cmdline: process.argv,
          memstats: process.memoryUsage(),
          node: config.nodeName,
          version: packageVersion(),
          scheduler_started: true,
          cron_entries: agent.scheduledCount(),
          running_executions: (await agent.busy()).length,
        }),
      },
    };
    const app = createApi(apiOptions);
    const server = await listenOn(app.fetch, listen);
    const urls = listenUrls(server.address() as AddressInfo, { ui: Boolean(apiOptions.ui) });
    logger.info(`dkron-core agent started: API ${urls.api}${urls.ui ? `, UI ${urls.ui}` : ''}`, {
      ...urls,
      dataDir: config.dataDir,
      store: config.rqliteUrl.length > 0 ? config.rqliteUrl.join(',') : 'embedded rqlite',
      jobs: agent.scheduledCount(),
    });

    let stopLauncherWatch = () => {};
    const stopped = new Promise<void>((resolve) => {
      const handlers = installSignalHandlers({
        logger,
        forceAfterMs: config.shutdownTimeoutMs + 30_000,
        async onShutdown(reason) {
          stopLauncherWatch();
          logger.info('shutting down', { reason });
          await new Promise<void>((r) => server.close(() => r()));
          await agent.stop({ timeoutMs: config.shutdownTimeoutMs });
          await notifier.close();
          await registry.close();
          const close = stopStore;
          stopStore = undefined;
          await close?.();
          handlers.dispose();
          logger.info('stopped');
          resolve();
        },
      });
      leave = () => void handlers.shutdown('leave');
      const launcher = watchLauncher({
        onGone(gone) {
          logger.warn(
            `the ${gone.comm} process (pid ${gone.pid}) that launched the agent exited; shutting down gracefully`,
            { pid: gone.pid },
          );
          void handlers.shutdown('launcher exited');
        },
      });
      stopLauncherWatch = () => launcher.stop();
      if (launcher.watched.length > 0) {
        logger.debug('watching the launcher', { pids: launcher.watched.map((p) => p.pid) });
      }
    });
    await stopped;
    return 0;
  } finally {
    await stopStore?.();
  }
}

async function openStore(config: AgentConfig, options: RunAgentOptions): Promise<Store> {
  const logger = options.logger.toPluginLogger({ component: 'store' });
  if (config.rqliteUrl.length > 0) return createRqliteStore({ url: config.rqliteUrl.join(','), logger });
  const embedded = await startEmbeddedRqlite({
    dataDir: config.dataDir,
    httpPort: config.rqliteHttpPort,
    raftPort: config.rqliteRaftPort,
    logger: options.logger.toPluginLogger({ component: 'rqlited' }),
  });
  try {
    return await createRqliteStore({ url: embedded.url, logger, owned: embedded });
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

type Fetch = Parameters<typeof serve>[0]['fetch'];

function listenOn(fetch: Fetch, listen: { hostname?: string; port: number }) {
  return new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const server = serve({
      fetch,
      port: listen.port,
      ...(listen.hostname ? { hostname: listen.hostname } : {}),
    });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
