import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAgentNode } from '@dkron-core/cluster';
import { createLocalCluster, createPluginRegistry, type SecretSource } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { packageVersion } from '../commands/version.js';
import type { AgentConfig } from '../config/agent-config.js';
import { closeServer, HTTP_CLOSE_GRACE_MS } from '../lifecycle/close-server.js';
import { installSignalHandlers } from '../lifecycle/signals.js';
import { LOAD_HINT } from '../plugins/missing-plugins.js';
import { advertisedAddress } from './advertise.js';
import { readNodeTls } from './node-tls.js';
import { reloadOnHangup } from './reload-tags.js';
import { withSecretReferences } from './secrets.js';
import type { RunAgentOptions } from './types.js';

/** File of the finished reports no server acknowledged yet, in the data dir. */
export function agentReportsPath(dataDir: string): string {
  return join(dataDir, 'agent-reports.json');
}

/**
 * Runs a plain agent (no `--server`) until it is stopped: no store and no API; it connects out to a
 * server (`--join`/`--retry-join`), announces its tags and plugins and runs what it is dispatched.
 * `--http-addr` serves `GET /health` only: 200 while connected to a server, 503 otherwise.
 */
export async function runPlainAgent(
  config: AgentConfig,
  options: RunAgentOptions,
  secrets: SecretSource,
  given: AgentConfig = config,
): Promise<number> {
  const logger = options.logger.toPluginLogger({ component: 'agent' });
  if (config.join.length === 0 && config.retryJoin.length === 0) {
    throw new DkronError(
      'VALIDATION',
      'a plain agent (without --server) needs --join or --retry-join: the host:port of a server (its --rpc-port)',
    );
  }
  const tls = await readNodeTls(config);
  const registry = createPluginRegistry({
    nodeName: config.nodeName,
    logger: options.logger.toPluginLogger({}),
    loadHint: LOAD_HINT,
  });
  for (const plugin of options.plugins) await registry.register(withSecretReferences(plugin, secrets));
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const local = createLocalCluster({
    nodeName: config.nodeName,
    server: false,
    version: packageVersion(),
    tags: config.tags,
    datacenter: config.datacenter,
    region: config.region,
    rpcPort: config.advertiseRpcPort,
    ...advertisedAddress(config),
  });
  const member = local.self();
  const node = createAgentNode({
    member,
    version: packageVersion(),
    registry,
    logger: options.logger.toPluginLogger({ component: 'cluster' }),
    join: config.join,
    retryJoin: config.retryJoin,
    retryIntervalMs: config.retryIntervalMs,
    retryMax: config.retryMax,
    ...(config.encrypt === '' ? {} : { key: config.encrypt }),
    ...(tls ? { tls } : {}),
    journalPath: agentReportsPath(config.dataDir),
  });
  const health = await listenHealth(config.httpAddr, () => node.connectedTo());
  try {
    await node.start();
  } catch (err) {
    await closeServer(health, 0);
    await registry.close();
    throw err;
  }
  const address = health.address() as AddressInfo;
  logger.info(`dkron-core plain agent started: connected to ${node.connectedTo()}`, {
    server: node.connectedTo(),
    health: `http://${address.address}:${address.port}/health`,
    dataDir: config.dataDir,
  });
  await new Promise<void>((resolve) => {
    const handlers = installSignalHandlers({
      logger,
      forceAfterMs: config.shutdownTimeoutMs + 30_000,
      // The server gets the new tags over the link (and on every reconnection).
      ...reloadOnHangup(given, options, logger, (tags) => {
        local.retag?.(tags);
        node.retag(local.self().Tags);
      }),
      async onShutdown(reason) {
        logger.info('shutting down', { reason });
        await Promise.all([
          node.stop(config.shutdownTimeoutMs),
          closeServer(health, Math.min(HTTP_CLOSE_GRACE_MS, config.shutdownTimeoutMs)),
        ]);
        await registry.close();
        handlers.dispose();
        logger.info('stopped');
        resolve();
      },
    });
  });
  return 0;
}

/** `GET /health` of a plain agent on `--http-addr`. */
function listenHealth(addr: string, server: () => string | undefined): Promise<Server> {
  const match = /^(?:\[([^\]]+)\]|([^:]*))?:(\d+)$/.exec(addr);
  if (!match) throw new DkronError('VALIDATION', `--http-addr: invalid address "${addr}"`);
  const host = match[1] ?? match[2] ?? '';
  const http = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'a plain agent serves GET /health only; the API is on the servers' }));
      return;
    }
    const connected = server();
    res.writeHead(connected ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        connected
          ? { healthy: true, server: connected }
          : { healthy: false, issues: ['not connected to a server'] },
      ),
    );
  });
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(Number(match[3]), host === '' ? undefined : host, () => {
      http.off('error', reject);
      resolve(http);
    });
  });
}
