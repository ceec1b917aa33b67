import type { Logger } from '@dkron-core/plugin-api';
import * as grpc from '@grpc/grpc-js';
import { AUTH_METADATA, CallVerifier, decodeKey, sameMac, serverProof, signCall } from './auth.js';
import type { GrpcService } from './cluster-server.js';
import { clusterService } from './proto.js';
import { channelCredentials, type NodeTls, serverCredentials } from './tls.js';

/** What a server tells the servers that join it: where its managed rqlited listens. */
export interface JoinInfo {
  readonly name: string;
  /** `host:port` of its rqlited's Raft listener, as other servers reach it. */
  readonly raftAddr: string;
  /** `host:port` of its rqlited's HTTP API. */
  readonly httpAddr: string;
  readonly version: string;
  readonly bootstrapExpect: number;
}

interface JoinInfoReply {
  name?: string;
  raft_addr?: string;
  http_addr?: string;
  version?: string;
  bootstrap_expect?: number;
  proof?: string;
}

/** One Raft peer of the servers' rqlite group, as `raft list-peers` prints it. */
export interface RaftPeer {
  /** rqlite node id: the server's node name. */
  readonly id: string;
  readonly address: string;
  readonly leader: boolean;
  readonly voter: boolean;
  readonly reachable: boolean;
}

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, reply?: unknown) => void,
) => grpc.ClientUnaryCall;

type PeersClient = grpc.Client & Record<PeerMethod, Unary>;

/** The calls of the `ServerPeers` service. */
export type PeerMethod = 'JoinInfo' | 'ListPeers' | 'RemovePeer' | 'Leave';

type PeersClientConstructor = new (address: string, credentials: grpc.ChannelCredentials) => PeersClient;

function serverPeers() {
  return clusterService<PeersClientConstructor>('ServerPeers');
}

/** Options of {@link createPeersService}. */
export interface PeersServiceOptions {
  /** The `--encrypt` key: servers joining each other must hold it (their rqlited credentials derive from it). */
  readonly key: string;
  readonly logger: Logger;
  /** This server's answer, read at every call. */
  readonly info: () => JoinInfo;
  /** The administration of `raft list-peers`, `raft remove-peer` and `leave`, once the store is open. */
  readonly admin?: () => PeersAdmin | undefined;
}

/** What the administration calls do on the answering server. */
export interface PeersAdmin {
  listPeers(): Promise<readonly RaftPeer[]>;
  removePeer(id: string): Promise<void>;
  /** Leaves the cluster and stops; resolves once leaving has begun. */
  leave(): Promise<void>;
}

function metadataValue(md: grpc.Metadata, key: string): string {
  const [value] = md.get(key);
  return typeof value === 'string' ? value : '';
}

/** The `ServerPeers` service: answers signed calls with where this server's rqlited is, and administers it. */
export function createPeersService(options: PeersServiceOptions): GrpcService {
  const key = decodeKey(options.key);
  const verifier = new CallVerifier(key);
  type Handler = (request: Record<string, unknown>, nonce: string) => Promise<object>;
  const signed =
    (handler: Handler): grpc.handleUnaryCall<Record<string, unknown>, object> =>
    (call, callback) => {
      const md = call.metadata;
      const nonce = metadataValue(md, AUTH_METADATA.nonce);
      const why = verifier.verify(
        {
          node: metadataValue(md, AUTH_METADATA.node),
          timestamp: metadataValue(md, AUTH_METADATA.timestamp),
          nonce,
          mac: metadataValue(md, AUTH_METADATA.mac),
        },
        Date.now(),
      );
      if (why) {
        options.logger.warn('refused a server peers call', { peer: call.getPeer(), reason: why });
        callback({ code: grpc.status.UNAUTHENTICATED, details: `refused by ${options.info().name}: ${why}` });
        return;
      }
      handler(call.request, nonce).then(
        (reply) => callback(null, reply),
        (error: unknown) =>
          callback({ code: statusOf(error), details: (error as Error).message ?? String(error) }),
      );
    };
  const admin = (): PeersAdmin => {
    const found = options.admin?.();
    if (!found)
      throw new PeerCallError(grpc.status.UNAVAILABLE, `${options.info().name} is still joining the cluster`);
    return found;
  };
  const implementation: Record<PeerMethod, grpc.handleUnaryCall<Record<string, unknown>, object>> = {
    JoinInfo: signed(async (_request, nonce) => {
      const info = options.info();
      return {
        name: info.name,
        raft_addr: info.raftAddr,
        http_addr: info.httpAddr,
        version: info.version,
        bootstrap_expect: info.bootstrapExpect,
        proof: serverProof(key, info.name, nonce),
      };
    }),
    ListPeers: signed(async () => ({ peers: await admin().listPeers() })),
    RemovePeer: signed(async (request) => {
      const id = typeof request.id === 'string' ? request.id : '';
      if (id === '') throw new PeerCallError(grpc.status.INVALID_ARGUMENT, 'remove-peer needs a peer id');
      await admin().removePeer(id);
      return {};
    }),
    Leave: signed(async () => {
      await admin().leave();
      return { name: options.info().name };
    }),
  };
  return { definition: serverPeers().service, implementation };
}

/** An error a peers call answers with its gRPC status. */
export class PeerCallError extends Error {
  readonly code: grpc.status;
  constructor(code: grpc.status, message: string) {
    super(message);
    this.name = 'PeerCallError';
    this.code = code;
  }
}

function statusOf(error: unknown): grpc.status {
  return error instanceof PeerCallError ? error.code : grpc.status.UNKNOWN;
}

/** Options of {@link askJoinInfo}. */
export interface AskJoinInfoOptions {
  readonly nodeName: string;
  readonly version: string;
  readonly key: string;
  /** Default 3 000 ms. */
  readonly timeoutMs?: number;
  /** `--tls-*`: the call is mTLS, as the servers' listeners then require. */
  readonly tls?: NodeTls | undefined;
}

/** Why a join call failed: `refused` (wrong key, or an answer without the key's proof) is final. */
export class JoinInfoError extends Error {
  readonly refused: boolean;
  /** The gRPC status of the failed call, when it got one. */
  readonly code: grpc.status | undefined;
  constructor(message: string, refused: boolean, code?: grpc.status) {
    super(message);
    this.name = 'JoinInfoError';
    this.refused = refused;
    this.code = code;
  }

  /** The server serves no `ServerPeers` (not a server of an embedded cluster). */
  get unimplemented(): boolean {
    return this.code === grpc.status.UNIMPLEMENTED;
  }
}

/** Options of {@link callPeer}: the caller's name and the `--encrypt` key it signs with. */
export type CallPeerOptions = AskJoinInfoOptions;

/** One signed call of the `ServerPeers` service of the server at `address` (its gRPC `host:port`). */
export function callPeer(
  address: string,
  method: PeerMethod,
  request: object,
  options: CallPeerOptions,
): Promise<{ reply: Record<string, unknown>; nonce: string }> {
  const key = decodeKey(options.key);
  const { Client } = serverPeers();
  const client = new Client(address, channelCredentials(options.tls));
  const signed = signCall(key, options.nodeName, Date.now());
  const md = new grpc.Metadata();
  md.set(AUTH_METADATA.node, signed.node);
  md.set(AUTH_METADATA.timestamp, signed.timestamp);
  md.set(AUTH_METADATA.nonce, signed.nonce);
  md.set(AUTH_METADATA.mac, signed.mac);
  const deadline = Date.now() + (options.timeoutMs ?? 3_000);
  return new Promise((resolve, reject) => {
    client[method](request, md, { deadline }, (error, reply) => {
      client.close();
      if (error) {
        const refused =
          error.code === grpc.status.UNAUTHENTICATED || error.code === grpc.status.UNIMPLEMENTED;
        reject(new JoinInfoError(`${address}: ${error.details || error.message}`, refused, error.code));
        return;
      }
      resolve({ reply: (reply ?? {}) as Record<string, unknown>, nonce: signed.nonce });
    });
  });
}

/** Asks the server at `address` where its rqlited is, and checks the answer proves it holds the key. */
export async function askJoinInfo(address: string, options: AskJoinInfoOptions): Promise<JoinInfo> {
  const { reply, nonce } = await callPeer(
    address,
    'JoinInfo',
    { name: options.nodeName, version: options.version },
    options,
  );
  const r = reply as JoinInfoReply;
  const name = r.name ?? '';
  if (!r.proof || !sameMac(r.proof, serverProof(decodeKey(options.key), name, nonce))) {
    throw new JoinInfoError(`${address}: the server does not prove it holds the --encrypt key`, true);
  }
  return {
    name,
    raftAddr: r.raft_addr ?? '',
    httpAddr: r.http_addr ?? '',
    version: r.version ?? '',
    bootstrapExpect: r.bootstrap_expect ?? 0,
  };
}

/** Options of {@link listenPeers}. */
export interface ListenPeersOptions {
  readonly host: string;
  readonly port: number;
  readonly service: GrpcService;
  /** `--tls-*`: the listener requires client certificates of the CA, like the cluster server's. */
  readonly tls?: NodeTls | undefined;
}

/**
 * A listener serving only `service` on the server's gRPC port, while its rqlited forms the cluster (the
 * full cluster server starts once the store is open, and serves the same service). Resolves with the port
 * bound and its stop.
 */
export async function listenPeers(
  options: ListenPeersOptions,
): Promise<{ readonly port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(options.service.definition, options.service.implementation);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port}`, serverCredentials(options.tls), (err, port) =>
      err ? reject(new Error(`cannot listen on ${host}:${options.port}: ${err.message}`)) : resolve(port),
    ),
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  return { port, stop };
}
