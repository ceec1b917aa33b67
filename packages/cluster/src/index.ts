export type { AgentNode, AgentNodeOptions } from './internal/agent-node.js';
export { createAgentNode } from './internal/agent-node.js';
export type { CallCredentials } from './internal/auth.js';
export { AUTH_METADATA, FRESHNESS_MS } from './internal/auth.js';
export type { ClusterServer, ClusterServerOptions, GrpcService } from './internal/cluster-server.js';
export {
  createClusterServer,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
} from './internal/cluster-server.js';
export type {
  AskJoinInfoOptions,
  CallPeerOptions,
  JoinInfo,
  ListenPeersOptions,
  PeerMethod,
  PeersAdmin,
  PeersServiceOptions,
  RaftPeer,
} from './internal/peers.js';
export {
  askJoinInfo,
  callPeer,
  createPeersService,
  JoinInfoError,
  listenPeers,
  PeerCallError,
} from './internal/peers.js';
export { PROTO_PATH, PROTOCOL_VERSION } from './internal/proto.js';
export type { LeaderApi } from './internal/server-link.js';
export type { NodeTls } from './internal/tls.js';
