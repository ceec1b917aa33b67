export type { AgentNode, AgentNodeOptions } from './internal/agent-node.js';
export { createAgentNode } from './internal/agent-node.js';
export type { CallCredentials } from './internal/auth.js';
export { AUTH_METADATA, FRESHNESS_MS } from './internal/auth.js';
export type { ClusterServer, ClusterServerOptions } from './internal/cluster-server.js';
export {
  createClusterServer,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
} from './internal/cluster-server.js';
export { PROTO_PATH, PROTOCOL_VERSION } from './internal/proto.js';
export type { LeaderApi } from './internal/server-link.js';
export type { NodeTls } from './internal/tls.js';
