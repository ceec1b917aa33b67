import {
  type Cluster,
  createLeaseCluster,
  createLocalCluster,
  type LeaseCluster,
  type LocalClusterOptions,
  type Store,
} from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import type { AgentConfig } from '../config/agent-config.js';
import { advertisedAddress } from './advertise.js';
import { joinsServers } from './server-join.js';

/**
 * How often a leader reads the store for jobs saved, toggled or deleted through other servers. One read
 * of every job's name and version; a job saved on a follower is scheduled within about this long.
 */
export const JOB_SYNC_MS = 1_000;

/** This server's cluster and, for servers sharing an external store, its lease part. */
export interface ServerCluster {
  readonly cluster: Cluster;
  /** Present when the servers elect a leader over the store (`--rqlite-url`, or embedded ones joined). */
  readonly lease?: LeaseCluster;
}

/**
 * A server given `--rqlite-url` shares that rqlite with the other servers given it: they elect one
 * leader through the store's lease (`--bootstrap-expect N`: not before N of them registered), and only
 * the leader schedules and runs jobs. Servers whose embedded rqlited nodes joined each other (`--join`)
 * share one store the same way. Otherwise (the embedded rqlited is this server's own) the server is alone
 * and leads from the start.
 */
export function serverCluster(
  config: AgentConfig,
  store: Store,
  logger: Logger,
  version: string,
): ServerCluster {
  const self: LocalClusterOptions = {
    nodeName: config.nodeName,
    server: config.server,
    version,
    tags: config.tags,
    datacenter: config.datacenter,
    region: config.region,
    rpcPort: config.advertiseRpcPort,
    ...advertisedAddress(config),
  };
  if (config.rqliteUrl.length === 0 && !joinsServers(config)) return { cluster: createLocalCluster(self) };
  const lease = createLeaseCluster({
    ...self,
    store,
    logger,
    bootstrapExpect: Math.max(1, config.bootstrapExpect),
  });
  return { cluster: lease, lease };
}

/**
 * The API's fetch, answering 503 with the reason while `lease` waits for `--bootstrap-expect` servers:
 * a server that has not joined a formed cluster serves nothing it could get wrong.
 */
export function gateUntilFormed<
  F extends (request: Request, ...rest: never[]) => Response | Promise<Response>,
>(fetch: F, lease: LeaseCluster | undefined): F {
  if (!lease) return fetch;
  return ((request: Request, ...rest: never[]) => {
    const why = lease.notReady();
    if (why === undefined) return fetch(request, ...rest);
    return Response.json(
      { message: why, code: 'UNAVAILABLE' },
      { status: 503, headers: { 'Retry-After': '1' } },
    );
  }) as F;
}
