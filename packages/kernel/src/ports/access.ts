/**
 * The AccessStore port: what access control and the audit log persist. ACL tokens and policies are
 * Dkron Pro's model (management and client tokens, policies of path globs with capabilities); the
 * audit log records every state change made through the API. `createMemoryAccessStore` implements it
 * in memory, `@dkron-core/store-rqlite` on rqlite.
 *
 * Secrets are never stored: a token is kept as the SHA-256 of its secret. Every write is idempotent,
 * so a caller may retry one whose outcome is unknown.
 */

/** What a policy rule grants on the paths it matches (Dkron Pro's capabilities). */
export type AclCapability = 'create' | 'read' | 'update' | 'delete' | 'list';

/** Every capability, in Dkron Pro's order. */
export const ACL_CAPABILITIES: readonly AclCapability[] = ['create', 'read', 'update', 'delete', 'list'];

/**
 * The rules of a policy, in Dkron Pro's JSON shape: each key of `path` is a path glob under `/v1`
 * (`*` within one segment, `**` across segments), each value the capabilities it grants.
 *
 * @example
 * ```json
 * { "path": { "/v1/jobs": { "capabilities": ["list"] }, "/v1/jobs/team-a-*": { "capabilities": ["read", "update"] } } }
 * ```
 */
export interface AclRules {
  readonly path: Readonly<Record<string, { readonly capabilities: readonly AclCapability[] }>>;
}

/** A named policy. */
export interface AclPolicy {
  readonly name: string;
  readonly description: string;
  readonly rules: AclRules;
  /** RFC 3339. */
  readonly create_time: string;
  /** RFC 3339; the time of the last apply. */
  readonly modify_time: string;
}

/** `management`: may do everything, ACL administration included; `client`: what its policies grant. */
export type AclTokenType = 'management' | 'client';

/** A token as stored: its secret only as a SHA-256 digest. */
export interface StoredAclToken {
  /** Public id of the token (a UUID): lists, revocation and the audit log name it. */
  readonly accessor_id: string;
  /** Lowercase hex SHA-256 of the secret. */
  readonly secret_hash: string;
  readonly name: string;
  readonly type: AclTokenType;
  /** Names of the policies of a client token; empty for management tokens. */
  readonly policies: readonly string[];
  /** RFC 3339. */
  readonly create_time: string;
}

/** A changed field of a definition: its value before and after (`null` when absent). */
export interface AuditChange {
  readonly old: unknown;
  readonly new: unknown;
}

/** One state change made through the API. */
export interface AuditEntry {
  /** Unique; the order of entries of the same millisecond. */
  readonly id: string;
  /** When the change was made, RFC 3339 with milliseconds (UTC). */
  readonly time: string;
  /** Name of the token that made it, or `anonymous` when ACLs are off. */
  readonly token: string;
  /** Accessor id of that token; `''` for anonymous. */
  readonly token_accessor: string;
  /** Address of the client (`ip` or `ip:port`), as the HTTP server saw it. */
  readonly source: string;
  /** What was done, e.g. `job.create`, `job.run`, `acl.token.create`, `leave`. */
  readonly action: string;
  /** The job concerned, `''` for none. */
  readonly job: string;
  /** The definition's changed fields by dotted path, secrets masked; `null` when nothing is defined. */
  readonly diff: Readonly<Record<string, AuditChange>> | null;
  /** Further facts (a restore's results, a token's name and policies), never a secret. */
  readonly details: Readonly<Record<string, unknown>> | null;
}

/** Filters, order and slice of `GET /v1/audit`, executed by the store. */
export interface AuditQuery {
  readonly job?: string;
  /** Token name (`anonymous` included). */
  readonly token?: string;
  readonly action?: string;
  /** Entries at or after this time (epoch ms). */
  readonly sinceMs?: number;
  /** Entries before this time (epoch ms). */
  readonly untilMs?: number;
  /** By time, then id. Default `DESC` (newest first). */
  readonly order?: 'ASC' | 'DESC';
  /** First index (0-based, inclusive). Default 0. */
  readonly start?: number;
  /** End index (exclusive). Default: all. */
  readonly end?: number;
}

/** One page of audit entries and the count before slicing (`X-Total-Count`). */
export interface AuditPage {
  readonly entries: AuditEntry[];
  readonly total: number;
}

/** Outcome of {@link AccessStore.deletePolicy}. */
export type PolicyDeletion = 'deleted' | 'missing' | 'in-use';

/** The persistence port of access control and the audit log. */
export interface AccessStore {
  /**
   * Stores the first management token, once per cluster: resolves to `true` when `token` is (now) the
   * bootstrap token, `false` when another one was bootstrapped before. Retrying with the same token
   * after an unknown outcome resolves to `true`.
   */
  bootstrapToken(token: StoredAclToken): Promise<boolean>;
  /** Stores a token; idempotent on `accessor_id`. */
  createToken(token: StoredAclToken): Promise<void>;
  /** The token whose secret hashes to `secretHash`, if any. */
  tokenBySecretHash(secretHash: string): Promise<StoredAclToken | undefined>;
  getToken(accessorId: string): Promise<StoredAclToken | undefined>;
  /** Every token, oldest first. */
  listTokens(): Promise<StoredAclToken[]>;
  /** Revokes a token; `false` when there was none. */
  deleteToken(accessorId: string): Promise<boolean>;

  /** Creates or replaces a policy; a replaced one keeps its `create_time`. Returns the stored policy. */
  savePolicy(policy: AclPolicy): Promise<AclPolicy>;
  getPolicy(name: string): Promise<AclPolicy | undefined>;
  /** Every stored policy, by name. */
  listPolicies(): Promise<AclPolicy[]>;
  /** Deletes a policy unless a token names it (checked in the same write). */
  deletePolicy(name: string): Promise<PolicyDeletion>;

  /** Appends entries; idempotent on `id`. */
  appendAudit(entries: readonly AuditEntry[]): Promise<void>;
  /** Filtered, ordered, sliced entries, done by the store. */
  listAudit(query: AuditQuery): Promise<AuditPage>;
  /** Deletes the entries older than `beforeMs` (epoch ms); resolves to how many went. */
  pruneAudit(beforeMs: number): Promise<number>;

  /** Releases connections. */
  close(): Promise<void>;
}
