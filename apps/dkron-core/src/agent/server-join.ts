import { hkdfSync } from 'node:crypto';
import {
  askJoinInfo,
  createPeersService,
  type GrpcService,
  type JoinInfo,
  JoinInfoError,
  listenPeers,
  type NodeTls,
  type PeersAdmin,
} from '@dkron-core/cluster';
import { DkronError, type Logger } from '@dkron-core/plugin-api';
import {
  type EmbeddedRqlite,
  hasRaftState,
  listRaftNodes,
  removeRaftNode,
  startEmbeddedRqlite,
} from '@dkron-core/store-rqlite';
import type { AgentConfig } from '../config/agent-config.js';
import { advertisedAddress } from './advertise.js';
import { readNodeTls, rqlitedNodeTls } from './node-tls.js';
import { rpcListenHost } from './rpc-listen.js';

/** How often a joining server asks its `--join` addresses again while too few servers answer. */
export const JOIN_POLL_MS = 1_000;
/** How long a joining server's rqlited may take to form or join the Raft group (rqlited gives up at 2 min). */
export const FORM_TIMEOUT_MS = 150_000;

type JoinConfig = Pick<
  AgentConfig,
  | 'server'
  | 'rqliteUrl'
  | 'join'
  | 'retryJoin'
  | 'encrypt'
  | 'bindAddr'
  | 'advertiseAddr'
  | 'nodeName'
  | 'bootstrapExpect'
  | 'rqliteHttpPort'
  | 'rqliteRaftPort'
  | 'rpcPort'
  | 'dataDir'
  | 'tlsCert'
  | 'tlsKey'
  | 'tlsCa'
>;

/** The servers' gRPC addresses a server joins: `--join` and `--retry-join`, each once. */
export function serverJoinAddresses(config: Pick<AgentConfig, 'join' | 'retryJoin'>): string[] {
  return [...new Set([...config.join, ...config.retryJoin].map(withRpcPort))];
}

/** Default gRPC port of a server, for a `--join` address that names none (`s2.internal`). */
export const DEFAULT_RPC_PORT = 6868;

/** `s2.internal` → `s2.internal:6868`; `[::1]` → `[::1]:6868`; an address with a port is kept. */
export function withRpcPort(address: string): string {
  const trimmed = address.trim();
  if (/:\d+$/.test(trimmed) && (!trimmed.includes('::') || trimmed.startsWith('['))) return trimmed;
  return `${trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed}:${DEFAULT_RPC_PORT}`;
}

/** Whether this server's embedded rqlited joins other servers' (`--join` without `--rqlite-url`). */
export function joinsServers(config: JoinConfig): boolean {
  return config.server && config.rqliteUrl.length === 0 && serverJoinAddresses(config).length > 0;
}

/**
 * Refuses a join the servers could not make safely: their rqlited nodes share credentials derived from
 * `--encrypt` and listen for each other beyond loopback, and the gRPC port must be fixed (the other servers
 * dial it).
 */
export function checkServerJoin(config: JoinConfig): void {
  if (config.encrypt === '') {
    throw new DkronError(
      'VALIDATION',
      '--join on a server needs --encrypt: the servers authenticate each other with the key and their rqlited nodes share credentials derived from it (make one with dkron-core keygen and give it to every server)',
      { details: { field: 'encrypt' } },
    );
  }
  const advertise = advertisedAddress(config).addr;
  const remote = serverJoinAddresses(config).find((address) => !isLoopback(hostOf(address)));
  if (isLoopback(advertise) && remote !== undefined) {
    throw new DkronError(
      'VALIDATION',
      `--advertise-addr: this server would tell the servers it joins (${remote}) to reach its rqlited at ${advertise}; set --advertise-addr to the address they reach this server at`,
      { details: { field: 'advertise-addr' } },
    );
  }
  if (config.rpcPort === 0) {
    throw new DkronError('VALIDATION', '--rpc-port 0 cannot be joined: the other servers dial a fixed port', {
      details: { field: 'rpc-port' },
    });
  }
}

/** The embedded rqlite user's password of a cluster: HKDF-SHA256 of the `--encrypt` key. */
export function clusterPassword(key: string): string {
  const bytes = Buffer.from(key, 'base64');
  return Buffer.from(hkdfSync('sha256', bytes, 'dkron-core', 'rqlite-auth/v1', 32)).toString('base64url');
}

/** A server's rqlited that joined the others', and the peers service its cluster server keeps serving. */
export interface JoinedStore {
  readonly embedded: EmbeddedRqlite;
  readonly service: GrpcService;
  /** Hands the `raft` and `leave` calls to the running server. */
  setAdmin(admin: PeersAdmin): void;
  /** Removes this server from the Raft group (on leave), before its rqlited stops. */
  leaveRaft(): Promise<void>;
}

/** Options of {@link startJoinedRqlite}. */
export interface StartJoinedOptions {
  readonly version: string;
  readonly logger: Logger;
  readonly rqliteLogger: Logger;
  /** Called with what the server waits for, for the 503 its API answers meanwhile. */
  readonly status: (why: string) => void;
  /** Read from `--tls-*` by {@link startJoinedRqlite}: the peers calls and listener are mTLS then. */
  readonly tls?: NodeTls | undefined;
}

/**
 * Starts this server's rqlited as one node of the servers' Raft group: serves `ServerPeers` on the gRPC
 * port at once (so the others learn where this rqlited is), asks the `--join` servers where theirs are
 * until enough answered, then starts rqlited with `-join` and `-bootstrap-expect`, and resolves once it is
 * in a group with a leader. A server with Raft state (a restart) rejoins from it without asking.
 */
export async function startJoinedRqlite(
  config: JoinConfig,
  options: StartJoinedOptions,
): Promise<JoinedStore> {
  checkServerJoin(config);
  const host = rpcListenHost(config).host;
  const advertise = advertisedAddress(config).addr;
  const self: JoinInfo = {
    name: config.nodeName,
    raftAddr: `${hostPort(advertise)}:${config.rqliteRaftPort}`,
    httpAddr: `${hostPort(advertise)}:${config.rqliteHttpPort}`,
    version: options.version,
    bootstrapExpect: config.bootstrapExpect,
  };
  let admin: PeersAdmin | undefined;
  const service = createPeersService({
    key: config.encrypt,
    logger: options.logger,
    info: () => self,
    admin: () => admin,
  });
  const tls = await readNodeTls(config);
  const early = await listenPeers({ host, port: config.rpcPort, service, tls });
  let embedded: EmbeddedRqlite;
  try {
    const join = hasRaftState(config.dataDir) ? [] : await discover(config, { ...options, tls }, self);
    options.status(
      join.length === 0
        ? `rejoining the servers' Raft group from ${config.dataDir}`
        : config.bootstrapExpect >= 2
          ? `the embedded rqlite is forming the servers' Raft group (--bootstrap-expect ${config.bootstrapExpect})`
          : `the embedded rqlite is joining the servers' Raft group through ${join.join(', ')}`,
    );
    embedded = await startEmbeddedRqlite({
      dataDir: config.dataDir,
      httpPort: config.rqliteHttpPort,
      raftPort: config.rqliteRaftPort,
      host,
      advertiseHost: advertise,
      nodeId: config.nodeName,
      cluster: true,
      join,
      ...(config.bootstrapExpect >= 2 ? { bootstrapExpect: config.bootstrapExpect } : {}),
      password: clusterPassword(config.encrypt),
      ...rqlitedNodeTls(config),
      startTimeoutMs: FORM_TIMEOUT_MS,
      logger: options.rqliteLogger,
    });
  } finally {
    await early.stop();
  }
  const access = { url: embedded.url, credentials: embedded.credentials };
  return {
    embedded,
    service,
    setAdmin: (given) => {
      admin = given;
    },
    leaveRaft: () => removeRaftNode(access, config.nodeName),
  };
}

/** The `PeersAdmin` over this server's rqlited; `leave` is the agent's (it stops the process). */
export function raftAdmin(embedded: EmbeddedRqlite, leave: () => Promise<void>): PeersAdmin {
  const access = { url: embedded.url, credentials: embedded.credentials };
  return {
    async listPeers() {
      return (await listRaftNodes(access)).map((n) => ({
        id: n.id,
        address: n.address,
        leader: n.leader,
        voter: n.voter,
        reachable: n.reachable,
      }));
    },
    removePeer: (id) => removeRaftNode(access, id),
    leave,
  };
}

function hostOf(address: string): string {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):\d+$/.exec(address);
  return match?.[1] ?? match?.[2] ?? address;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function hostPort(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Asks every `--join` address until enough other servers answered: `--bootstrap-expect N` needs the N-1
 * others, joining a formed cluster (no or 1) needs one. Each answer's raft address joins the list, this
 * server's own first when it bootstraps. A refusal (another key) keeps it waiting and is named in its 503
 * and its log (neither side can tell which key is wrong); a disagreement on N fails the start.
 */
async function discover(config: JoinConfig, options: StartJoinedOptions, self: JoinInfo): Promise<string[]> {
  const addresses = serverJoinAddresses(config);
  const need = config.bootstrapExpect >= 2 ? config.bootstrapExpect - 1 : 1;
  const found = new Map<string, JoinInfo>();
  let lastLog = 0;
  for (;;) {
    const answers = await Promise.allSettled(
      addresses.map((address) =>
        askJoinInfo(address, {
          nodeName: config.nodeName,
          version: options.version,
          key: config.encrypt,
          tls: options.tls,
        }),
      ),
    );
    const unreachable: string[] = [];
    const refused: string[] = [];
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 'rejected') {
        const error = answer.reason as Error;
        // A refusal (another key) is the operator's to fix on one side or the other: keep asking, say it.
        if (error instanceof JoinInfoError && error.refused) refused.push(error.message);
        else unreachable.push(addresses[i] as string);
        continue;
      }
      const peer = answer.value;
      if (peer.name === self.name && peer.raftAddr === self.raftAddr) continue;
      checkPeer(peer, self, addresses[i] as string);
      found.set(peer.name, peer);
    }
    if (found.size >= need) {
      options.logger.info('found the servers to join', { servers: [...found.keys()], need });
      const others = [...found.values()].map((p) => p.raftAddr);
      // rqlited refuses to join itself unless it bootstraps (-bootstrap-expect): then every node lists all.
      return config.bootstrapExpect >= 2 ? [self.raftAddr, ...others] : others;
    }
    const why = waitingFor(self, found, need, unreachable, refused);
    options.status(why);
    if (Date.now() - lastLog > 10_000) {
      if (refused.length > 0) options.logger.error(why, { join: addresses });
      else options.logger.info(why, { join: addresses });
      lastLog = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, JOIN_POLL_MS));
  }
}

function waitingFor(
  self: JoinInfo,
  found: ReadonlyMap<string, JoinInfo>,
  need: number,
  unreachable: readonly string[],
  refused: readonly string[],
): string {
  const names = [self.name, ...found.keys()].join(', ');
  const parts = [`waiting for servers to join: ${found.size + 1} of ${need + 1} found (${names})`];
  if (refused.length > 0) parts.push(`refused: ${refused.join('; ')}`);
  if (unreachable.length > 0) parts.push(`no answer yet from ${unreachable.join(', ')}`);
  return parts.join('; ');
}

function checkPeer(peer: JoinInfo, self: JoinInfo, address: string): void {
  if (peer.name === self.name) {
    throw new DkronError(
      'VALIDATION',
      `the server at ${address} is also named ${self.name}: every server needs its own --node-name`,
    );
  }
  if (peer.bootstrapExpect > 0 && self.bootstrapExpect > 0 && peer.bootstrapExpect !== self.bootstrapExpect) {
    throw new DkronError(
      'VALIDATION',
      `${peer.name} (${address}) has --bootstrap-expect ${peer.bootstrapExpect}, this server ${self.bootstrapExpect}: give every server the same value`,
    );
  }
}

/** On `leave`: this server's rqlited leaves the Raft group, so the others need no `raft remove-peer`. */
export async function leaveRaft(joined: JoinedStore | undefined, logger: Logger): Promise<void> {
  if (!joined) return;
  try {
    await joined.leaveRaft();
    logger.info("left the servers' Raft group");
  } catch (err) {
    logger.error(
      "could not leave the servers' Raft group; remove this server with dkron-core raft remove-peer",
      {
        error: (err as Error).message,
      },
    );
  }
}
