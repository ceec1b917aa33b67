import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The .proto shipped in this package (`proto/cluster.proto`). */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/cluster.proto', import.meta.url));

/** Version of the protocol an agent announces; a server refuses others. */
export const PROTOCOL_VERSION = 1;

export interface AnnounceMessage {
  name: string;
  addr: string;
  port: number;
  tags: Record<string, string>;
  version: string;
  executors: string[];
  processors: string[];
  running: string[];
  protocol: number;
  catalog_json?: string;
}

/** Agent → server. Exactly one field is set. */
export interface AgentMessage {
  announce?: AnnounceMessage;
  heartbeat?: { sent_at_ms: number };
  started?: { execution_json: string };
  output?: { execution_json: string; chunk: string };
  finished?: { execution_json: string };
  leave?: Record<string, never>;
  retag?: { tags: Record<string, string> };
}

/** Server → agent. Exactly one field is set. */
export interface ServerMessage {
  welcome?: { server_name: string; heartbeat_interval_ms: number; proof: string };
  redirect?: { leader_name: string; leader_addr: string; reason: string };
  dispatch?: { job_json: string; execution_json: string };
  abort?: { job_name: string; execution_id: string; reason: string };
  ack?: { execution_id: string };
}

export type AgentStream = grpc.ClientDuplexStream<AgentMessage, ServerMessage>;
export type ServerStream = grpc.ServerDuplexStream<AgentMessage, ServerMessage>;

interface AgentLinkClient extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): AgentStream;
}

interface Loaded {
  readonly service: grpc.ServiceDefinition;
  readonly Client: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => AgentLinkClient;
}

/** A service of `dkron_core.cluster.v1`: its definition (for a server) and its client constructor. */
export interface LoadedService<C> {
  readonly service: grpc.ServiceDefinition;
  readonly Client: C;
}

let services: Record<string, grpc.ServiceClientConstructor> | undefined;
const loadedServices = new Map<string, LoadedService<unknown>>();

/** A service of the cluster proto, parsed once for all of them and loaded once each. */
export function clusterService<C>(name: 'AgentLink' | 'ServerLink' | 'ServerPeers'): LoadedService<C> {
  const known = loadedServices.get(name);
  if (known) return known as LoadedService<C>;
  if (!services) {
    const definition = protoLoader.loadSync(PROTO_PATH, {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: false,
      oneofs: false,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      dkron_core: { cluster: { v1: Record<string, grpc.ServiceClientConstructor> } };
    };
    services = pkg.dkron_core.cluster.v1;
  }
  const ctor = services[name] as grpc.ServiceClientConstructor;
  const loaded: LoadedService<C> = { service: ctor.service, Client: ctor as unknown as C };
  loadedServices.set(name, loaded);
  return loaded;
}

/** The AgentLink service, loaded once. */
export function agentLink(): Loaded {
  return clusterService<Loaded['Client']>('AgentLink');
}
