import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApiOptions, createApi } from '@dkron-core/api';
import { createClusterServer } from '@dkron-core/cluster';
import { type AccessStore, createAgent, createPluginRegistry, type Store } from '@dkron-core/kernel';
import { createNotifier, toNotifierOptions } from '@dkron-core/notify';
import type { Logger } from '@dkron-core/plugin-api';
import { DkronError } from '@dkron-core/plugin-api';
import {
  createRqliteAccessStore,
  createRqliteStore,
  type RqliteCredentials,
  startEmbeddedRqlite,
  type TransportKind,
} from '@dkron-core/store-rqlite';
import { serve } from '@hono/node-server';
import { packageVersion } from '../commands/version.js';
import type { AgentConfig } from '../config/agent-config.js';
import { redactArgv } from '../config/redact.js';
import { closeServer, HTTP_CLOSE_GRACE_MS } from '../lifecycle/close-server.js';
import { watchLauncher } from '../lifecycle/launcher.js';
import { installSignalHandlers } from '../lifecycle/signals.js';
import { createAgentMetrics } from '../metrics/metrics.js';
import { createStatsdSink } from '../metrics/statsd.js';
import { LOAD_HINT, warnMissingPlugins } from '../plugins/missing-plugins.js';
import { startAuditRetention } from './audit-retention.js';
import { gateUntilFormed, JOB_SYNC_MS, serverCluster } from './cluster.js';
import { createFileJournal, executionJournalPath } from './execution-journal.js';
import { startFormationGate } from './formation-gate.js';
import { readNodeTls, rqlitedNodeTls } from './node-tls.js';
import { reloadOnHangup } from './reload-tags.js';
import { rpcListenHost } from './rpc-listen.js';
import {
  processSecretSource,
  resolveSecretOptions,
  withNotifySecrets,
  withSecretReferences,
} from './secrets.js';
import { type JoinedStore, joinsServers, leaveRaft, raftAdmin, startJoinedRqlite } from './server-join.js';
import type { RunAgentOptions } from './types.js';
import { listenUrls } from './urls.js';

/** The UI built into this package (`apps/ui`'s build, copied here by its build). */
export const BUILTIN_UI_DIR = fileURLToPath(new URL('../../ui-dist/', import.meta.url));

/**
 * Where the UI is served from, or `false`. A `--ui-dir` without `index.html` fails the start (a typo
 * should not give a UI that 404s); a missing built-in build only warns, the API works without it.
 */
export function uiRoot(config: Pick<AgentConfig, 'ui' | 'uiDir'>, logger: Logger): string | false {
  if (!config.ui) return false;
  const root = config.uiDir === '' ? BUILTIN_UI_DIR : config.uiDir;
  if (existsSync(join(root, 'index.html'))) return root;
  if (config.uiDir !== '') {
    throw new DkronError('VALIDATION', `--ui-dir: no index.html in ${config.uiDir}`, {
      details: { field: 'ui-dir' },
    });
  }
  logger.warn('the web UI is not built; /ui answers 404 (run pnpm build)', { dir: root });
  return root;
}

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
export async function runAgent(given: AgentConfig, options: RunAgentOptions): Promise<number> {
  const logger = options.logger.toPluginLogger({ component: 'agent' });
  const secrets = processSecretSource();
  // `--mail-password env:SMTP_PASSWORD`: the command line and /debug/vars hold the reference only.
  const config = await resolveSecretOptions(given, secrets);
  if (!config.server) {
    const { runPlainAgent } = await import('./run-plain-agent.js');
    return runPlainAgent(config, options, secrets, given);
  }
  const listen = parseListenAddress(config.httpAddr);
  const tls = await readTls(config);
  const nodeTls = await readNodeTls(config);
  const ui = uiRoot(config, logger);

  const registry = createPluginRegistry({
    nodeName: config.nodeName,
    logger: options.logger.toPluginLogger({}),
    loadHint: LOAD_HINT,
  });
  for (const plugin of options.plugins) await registry.register(withSecretReferences(plugin, secrets));
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
  // A joining server answers 503 with what it waits for until its store is in the servers' Raft group.
  const forming = joinsServers(config) ? await startFormationGate(listen, tls) : undefined;
  let opened: Awaited<ReturnType<typeof openStores>>;
  try {
    opened = await openStores(config, options, forming?.status);
  } catch (err) {
    await forming?.close();
    throw err;
  }
  const { store, access, joined } = opened;
  let stopStore: (() => Promise<void>) | undefined = async () => {
    await access.close();
    await store.close();
  };
  let stopRetention = () => {};
  let stopCluster = async () => {};
  try {
    stopRetention = await startAuditRetention({
      store: access,
      retentionMs: config.auditRetentionMs,
      logger: options.logger.toPluginLogger({ component: 'audit' }),
    });
    let leave: (() => void) | undefined;
    const notifier = createNotifier(
      toNotifierOptions(config, options.logger.toPluginLogger({ component: 'notify' })),
    );
    const { cluster, lease } = serverCluster(
      config,
      store,
      options.logger.toPluginLogger({ component: 'cluster' }),
      packageVersion(),
    );
    const rpc = rpcListenHost(config);
    if (rpc.warning) logger.warn(rpc.warning);
    // Plain agents join through it; followers send them to the leader.
    const clusterServer = createClusterServer({
      nodeName: config.nodeName,
      base: cluster,
      logger: options.logger.toPluginLogger({ component: 'cluster' }),
      host: rpc.host,
      port: config.rpcPort,
      ...(config.encrypt === '' ? {} : { key: config.encrypt }),
      ...(nodeTls ? { tls: nodeTls } : {}),
      reconnectTimeoutMs: config.serfReconnectTimeoutMs,
      ...(joined ? { services: [joined.service] } : {}),
    });
    stopCluster = () => clusterServer.stop();
    const agent = createAgent({
      notifier: withNotifySecrets(notifier, secrets, options.logger.toPluginLogger({ component: 'notify' })),
      nodeName: config.nodeName,
      version: packageVersion(),
      store,
      registry,
      logger,
      server: config.server,
      cluster: clusterServer.cluster,
      ...(lease ? { jobSyncMs: JOB_SYNC_MS } : {}),
      dispatcher: (local) => clusterServer.dispatcher(local),
      remoteExecutors: () => new Set(clusterServer.plugins().executors),
      // Cancel, follow and /v1/busy reach runs on any node; a follower's run-now goes to the leader.
      remoteRuns: clusterServer.remoteRuns,
      defaultTimezone: config.defaultTimezone,
      maxExecutionsPerJob: config.maxExecutionsPerJob,
      journal: createFileJournal(executionJournalPath(config.dataDir)),
      onLeave: () => leave?.(),
    });
    warnMissingPlugins(registry, await store.allJobs(), logger);
    await agent.start();
    // Runs the previous process left on agents: lost unless their agent comes back and reports them.
    clusterServer.adopt(await store.runningExecutions());
    // Other servers' run-now, cancel, busy and follow calls are answered by this agent while it leads.
    const rpcPort = await clusterServer.start(agent.reports, agent);
    logger.info(`listening for agents on ${rpc.host}:${rpcPort}`, {
      rpc: `${rpc.host}:${rpcPort}`,
      encrypt: config.encrypt !== '',
      mtls: nodeTls !== undefined,
    });
    // After the agent listens for leadership changes: the first round may already make it the leader.
    lease?.start();
    metrics?.attach({
      scheduledJobs: () => agent.scheduledCount(),
      runningExecutions: async () => (await agent.busy()).length,
    });

    const apiOptions: ApiOptions = {
      // GET /v1/plugins lists what the cluster has: this server's plugins and its agents'.
      agent: { ...agent, plugins: () => clusterServer.catalog(agent.plugins()) },
      logger: options.logger.toPluginLogger({ component: 'api' }),
      corsAllowedOrigins: config.corsAllowedOrigins,
      access: { store: access, aclEnabled: config.aclEnabled },
      ...(ui ? { ui: { root: ui } } : {}),
      ...(config.uiBasePath === '' ? {} : { basePath: config.uiBasePath }),
      defaultTimezone: config.defaultTimezone,
      maxExecutionsPerJob: config.maxExecutionsPerJob,
      extras: {
        jobGraph: (name) => agent.jobGraph(name),
        ...(metrics ? { metrics: () => metrics.render() } : {}),
        debugVars: async () => ({
          cmdline: redactArgv(process.argv),
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
    joined?.setAdmin(raftAdmin(joined.embedded, async () => void (await agent.leave())));
    await forming?.close();
    const server = await listenOn(gateUntilFormed(app.fetch, lease), listen, tls);
    const urls = listenUrls(server.address() as AddressInfo, {
      ui: Boolean(apiOptions.ui),
      https: Boolean(tls),
    });
    logger.info(`dkron-core agent started: API ${urls.api}${urls.ui ? `, UI ${urls.ui}` : ''}`, {
      ...urls,
      dataDir: config.dataDir,
      acl: config.aclEnabled,
      store: config.rqliteUrl.length > 0 ? config.rqliteUrl.join(',') : 'embedded rqlite',
      jobs: agent.scheduledCount(),
    });

    let stopLauncherWatch = () => {};
    const stopped = new Promise<void>((resolve) => {
      const handlers = installSignalHandlers({
        logger,
        forceAfterMs: config.shutdownTimeoutMs + 30_000,
        ...reloadOnHangup(given, options, logger, (tags) => clusterServer.cluster.retag?.(tags)),
        async onShutdown(reason) {
          stopLauncherWatch();
          logger.info('shutting down', { reason });
          // Scheduling stops first (stop() stops the scheduler before it awaits anything); the API stops
          // taking connections meanwhile, and no client, however stalled, can hold the shutdown.
          const agentStopped = agent.stop({ timeoutMs: config.shutdownTimeoutMs });
          await Promise.all([
            agentStopped,
            // Gives the lease up at once (the term is stopping), so another server takes over within a round.
            lease?.stop(),
            closeServer(server as Server, Math.min(HTTP_CLOSE_GRACE_MS, config.shutdownTimeoutMs)),
          ]);
          await stopCluster();
          if (reason === 'leave') await leaveRaft(joined, logger);
          stopRetention();
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
    await forming?.close();
    await stopCluster();
    stopRetention();
    await stopStore?.();
  }
}

/** The certificate and key of `--https-cert`/`--https-key`, read now so a bad path fails the start. */
async function readTls(config: AgentConfig): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (config.httpsCert === '' || config.httpsKey === '') return undefined;
  const read = async (flag: string, path: string) => {
    try {
      return await readFile(path);
    } catch (cause) {
      throw new DkronError('VALIDATION', `--${flag}: cannot read ${path}: ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  return { cert: await read('https-cert', config.httpsCert), key: await read('https-key', config.httpsKey) };
}

/**
 * The HTTP stack of both stores' rqlite clients: undici's keep-alive pool. rqlite-js (over axios) costs the
 * agent about 0.8 ms of CPU per request more (test/bench/create.bench.mjs: 5.7-6.8 against 3.5 ms of agent
 * CPU per job created at concurrency 16), with the same retries and error handling (both pass the Store
 * contract suite).
 */
const STORE_TRANSPORT: TransportKind = 'undici';

/** The job store and the access store (tokens, policies, audit log) on the same rqlite. */
async function openStores(
  config: AgentConfig,
  options: RunAgentOptions,
  status?: (why: string) => void,
): Promise<{ store: Store; access: AccessStore; joined?: JoinedStore }> {
  const logger = options.logger.toPluginLogger({ component: 'store' });
  const { store, url, credentials, joined } = await openStore(config, options, logger, status);
  try {
    const access = await createRqliteAccessStore({
      url,
      logger,
      transport: STORE_TRANSPORT,
      ...(credentials ? { credentials } : {}),
    });
    return { store, access, ...(joined ? { joined } : {}) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function openStore(
  config: AgentConfig,
  options: RunAgentOptions,
  logger: ReturnType<RunAgentOptions['logger']['toPluginLogger']>,
  status: (why: string) => void = () => {},
): Promise<{ store: Store; url: string; credentials?: RqliteCredentials; joined?: JoinedStore }> {
  if (config.rqliteUrl.length > 0) {
    const url = config.rqliteUrl.join(',');
    return { store: await createRqliteStore({ url, logger, transport: STORE_TRANSPORT }), url };
  }
  const rqliteLogger = options.logger.toPluginLogger({ component: 'rqlited' });
  const joined = joinsServers(config)
    ? await startJoinedRqlite(config, {
        version: packageVersion(),
        logger: options.logger.toPluginLogger({ component: 'cluster' }),
        rqliteLogger,
        status,
      })
    : undefined;
  const embedded =
    joined?.embedded ??
    (await startEmbeddedRqlite({
      dataDir: config.dataDir,
      httpPort: config.rqliteHttpPort,
      raftPort: config.rqliteRaftPort,
      ...rqlitedNodeTls(config),
      logger: rqliteLogger,
    }));
  try {
    const store = await createRqliteStore({
      url: embedded.url,
      credentials: embedded.credentials,
      logger,
      transport: STORE_TRANSPORT,
      owned: embedded,
      dataDir: config.dataDir,
    });
    return { store, url: embedded.url, credentials: embedded.credentials, ...(joined ? { joined } : {}) };
  } catch (err) {
    await embedded.stop();
    throw err;
  }
}

type Fetch = Parameters<typeof serve>[0]['fetch'];

function listenOn(
  fetch: Fetch,
  listen: { hostname?: string; port: number },
  tls: { cert: Buffer; key: Buffer } | undefined,
) {
  return new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const server = serve({
      fetch,
      port: listen.port,
      ...(listen.hostname ? { hostname: listen.hostname } : {}),
      ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
    });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
