/**
 * `@dkron-core/store-rqlite`: the dkron-core Store on rqlite, the rqlite data-API client it uses, and the
 * supervised embedded rqlited that a server runs when no `--rqlite-url` is given.
 *
 * @packageDocumentation
 */

export type { EmbeddedRqlite, EmbeddedRqliteOptions, RqliteExit } from './embedded-rqlite.js';
export { hasRaftState, resolveRqlited, startEmbeddedRqlite } from './embedded-rqlite.js';
export type { DeathGuard } from './internal/death-guard.js';
export { SCHEMA_VERSION } from './internal/schema.js';
export type { RaftNode, RqliteNodeAccess } from './raft-nodes.js';
export { listRaftNodes, removeRaftNode } from './raft-nodes.js';
export type { RqliteAccessStoreOptions } from './rqlite-access-store.js';
export { createRqliteAccessStore } from './rqlite-access-store.js';
export type {
  ConsistencyLevel,
  ExecuteOptions,
  ExecuteResult,
  QueryOptions,
  QueryResult,
  RequestResult,
  RqliteClient,
  RqliteClientOptions,
  RqliteCredentials,
  SqlRow,
  SqlStatement,
  SqlValue,
  TransportKind,
} from './rqlite-client.js';
export { createRqliteClient, parseRqliteUrls } from './rqlite-client.js';
export type { RqliteStoreOptions } from './rqlite-store.js';
export { createRqliteStore } from './rqlite-store.js';
