import type {
  AccessStore,
  AclPolicy,
  AclRules,
  AclTokenType,
  AuditEntry,
  AuditQuery,
  PolicyDeletion,
  StoredAclToken,
} from '@dkron-core/kernel';
import { DkronError, type Logger } from '@dkron-core/plugin-api';
import { migrate } from './internal/schema.js';
import {
  createRqliteClient,
  type RqliteClient,
  type SqlRow,
  type SqlStatement,
  type SqlValue,
} from './rqlite-client.js';
import type { RqliteStoreOptions } from './rqlite-store.js';

/** Options of {@link createRqliteAccessStore}: the connection settings of the job store. */
export type RqliteAccessStoreOptions = Pick<
  RqliteStoreOptions,
  'url' | 'logger' | 'deadlineMs' | 'transport' | 'credentials'
>;

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const TOKEN_COLUMNS = 'accessor_id, secret_hash, name, type, policies, create_time';
const POLICY_COLUMNS = 'name, description, rules, create_time, modify_time';
const AUDIT_COLUMNS = 'id, time, token, token_accessor, source, action, job, diff, details';

const text = (value: SqlValue | undefined): string =>
  typeof value === 'string' ? value : String(value ?? '');

function parsed<T>(value: SqlValue | undefined, what: string): T {
  try {
    return JSON.parse(text(value)) as T;
  } catch (cause) {
    throw new DkronError('INTERNAL', `stored ${what} is not JSON`, { cause });
  }
}

function tokenFromRow(row: SqlRow): StoredAclToken {
  return {
    accessor_id: text(row.accessor_id),
    secret_hash: text(row.secret_hash),
    name: text(row.name),
    type: text(row.type) as AclTokenType,
    policies: parsed<string[]>(row.policies, 'token policies'),
    create_time: text(row.create_time),
  };
}

function policyFromRow(row: SqlRow): AclPolicy {
  return {
    name: text(row.name),
    description: text(row.description),
    rules: parsed<AclRules>(row.rules, 'policy rules'),
    create_time: text(row.create_time),
    modify_time: text(row.modify_time),
  };
}

function entryFromRow(row: SqlRow): AuditEntry {
  return {
    id: text(row.id),
    time: text(row.time),
    token: text(row.token),
    token_accessor: text(row.token_accessor),
    source: text(row.source),
    action: text(row.action),
    job: text(row.job),
    diff: row.diff === null ? null : parsed<AuditEntry['diff']>(row.diff, 'audit diff'),
    details: row.details === null ? null : parsed<AuditEntry['details']>(row.details, 'audit details'),
  };
}

/** Inserts `token` unless its accessor exists, and only when `condition` (a `WHERE …`) holds. */
function insertToken(token: StoredAclToken, condition = '', ...conditionParams: SqlValue[]): SqlStatement {
  return [
    `INSERT OR IGNORE INTO acl_tokens (${TOKEN_COLUMNS}) SELECT ?, ?, ?, ?, ?, ? ${condition}`,
    token.accessor_id,
    token.secret_hash,
    token.name,
    token.type,
    JSON.stringify(token.policies),
    token.create_time,
    ...conditionParams,
  ];
}

/** `WHERE …` and its parameters for the filters of `query`. */
function auditWhere(query: AuditQuery): { sql: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue) => {
    clauses.push(clause);
    params.push(value);
  };
  if (query.job !== undefined) add('job = ?', query.job);
  if (query.token !== undefined) add('token = ?', query.token);
  if (query.action !== undefined) add('action = ?', query.action);
  if (query.sinceMs !== undefined) add('time_ms >= ?', query.sinceMs);
  if (query.untilMs !== undefined) add('time_ms < ?', query.untilMs);
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

/**
 * Connects to rqlite, migrates the schema (the same migrations as the job store), and returns the
 * {@link AccessStore} on it. Every statement is parameterized; every write is idempotent.
 */
export async function createRqliteAccessStore(options: RqliteAccessStoreOptions): Promise<AccessStore> {
  const logger = options.logger ?? noopLogger;
  const client = createRqliteClient({
    url: options.url,
    logger,
    deadlineMs: options.deadlineMs,
    transport: options.transport,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  try {
    await migrate(client, logger);
  } catch (error) {
    await client.close();
    throw error;
  }
  return new RqliteAccessStore(client);
}

class RqliteAccessStore implements AccessStore {
  readonly #client: RqliteClient;

  constructor(client: RqliteClient) {
    this.#client = client;
  }

  async #rows(statement: SqlStatement): Promise<readonly SqlRow[]> {
    const [result] = await this.#client.query([statement]);
    return result?.rows ?? [];
  }

  async bootstrapToken(token: StoredAclToken): Promise<boolean> {
    // One request through the Raft log: claim the bootstrap, insert the token only if the claim is ours,
    // and read back whose claim stands (ours again when this is a retry of a request that was applied).
    const results = await this.#client.request(
      [
        ["INSERT OR IGNORE INTO acl_meta (key, value) VALUES ('bootstrap', ?)", token.accessor_id],
        insertToken(
          token,
          "WHERE (SELECT value FROM acl_meta WHERE key = 'bootstrap') = ?",
          token.accessor_id,
        ),
        ["SELECT value FROM acl_meta WHERE key = 'bootstrap'"],
      ],
      { transaction: true },
    );
    return results[2]?.rows[0]?.value === token.accessor_id;
  }

  async createToken(token: StoredAclToken): Promise<void> {
    await this.#client.execute([insertToken(token)]);
  }

  async tokenBySecretHash(secretHash: string): Promise<StoredAclToken | undefined> {
    const [row] = await this.#rows([
      `SELECT ${TOKEN_COLUMNS} FROM acl_tokens WHERE secret_hash = ?`,
      secretHash,
    ]);
    return row === undefined ? undefined : tokenFromRow(row);
  }

  async getToken(accessorId: string): Promise<StoredAclToken | undefined> {
    const [row] = await this.#rows([
      `SELECT ${TOKEN_COLUMNS} FROM acl_tokens WHERE accessor_id = ?`,
      accessorId,
    ]);
    return row === undefined ? undefined : tokenFromRow(row);
  }

  async listTokens(): Promise<StoredAclToken[]> {
    const rows = await this.#rows([
      `SELECT ${TOKEN_COLUMNS} FROM acl_tokens ORDER BY create_time, accessor_id`,
    ]);
    return rows.map(tokenFromRow);
  }

  async deleteToken(accessorId: string): Promise<boolean> {
    const [result] = await this.#client.execute([
      ['DELETE FROM acl_tokens WHERE accessor_id = ?', accessorId],
    ]);
    return (result?.rowsAffected ?? 0) > 0;
  }

  async savePolicy(policy: AclPolicy): Promise<AclPolicy> {
    const [, read] = await this.#client.request(
      [
        [
          `INSERT INTO acl_policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET description = excluded.description, rules = excluded.rules,
             modify_time = excluded.modify_time`,
          policy.name,
          policy.description,
          JSON.stringify(policy.rules),
          policy.create_time,
          policy.modify_time,
        ],
        [`SELECT ${POLICY_COLUMNS} FROM acl_policies WHERE name = ?`, policy.name],
      ],
      { transaction: true },
    );
    const row = read?.rows[0];
    if (row === undefined) throw new DkronError('INTERNAL', `policy ${policy.name} was not stored`);
    return policyFromRow(row);
  }

  async getPolicy(name: string): Promise<AclPolicy | undefined> {
    const [row] = await this.#rows([`SELECT ${POLICY_COLUMNS} FROM acl_policies WHERE name = ?`, name]);
    return row === undefined ? undefined : policyFromRow(row);
  }

  async listPolicies(): Promise<AclPolicy[]> {
    return (await this.#rows([`SELECT ${POLICY_COLUMNS} FROM acl_policies ORDER BY name`])).map(
      policyFromRow,
    );
  }

  async deletePolicy(name: string): Promise<PolicyDeletion> {
    const [deleted, left] = await this.#client.request(
      [
        [
          `DELETE FROM acl_policies WHERE name = ? AND NOT EXISTS (
             SELECT 1 FROM acl_tokens t, json_each(t.policies) p WHERE p.value = ?)`,
          name,
          name,
        ],
        ['SELECT count(*) AS n FROM acl_policies WHERE name = ?', name],
      ],
      { transaction: true },
    );
    if ((deleted?.rowsAffected ?? 0) > 0) return 'deleted';
    return Number(left?.rows[0]?.n ?? 0) > 0 ? 'in-use' : 'missing';
  }

  async appendAudit(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#client.execute(
      entries.map((e) => [
        `INSERT OR IGNORE INTO audit (id, time_ms, ${AUDIT_COLUMNS.slice('id, '.length)})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        e.id,
        Date.parse(e.time),
        e.time,
        e.token,
        e.token_accessor,
        e.source,
        e.action,
        e.job,
        e.diff === null ? null : JSON.stringify(e.diff),
        e.details === null ? null : JSON.stringify(e.details),
      ]),
      { transaction: true },
    );
  }

  async listAudit(query: AuditQuery) {
    const { sql, params } = auditWhere(query);
    const order = query.order === 'ASC' ? 'ASC' : 'DESC';
    const start = Math.max(0, Math.trunc(query.start ?? 0));
    const limit = query.end === undefined ? -1 : Math.max(0, Math.trunc(query.end) - start);
    const [page, count] = await this.#client.query([
      [
        `SELECT ${AUDIT_COLUMNS} FROM audit ${sql} ORDER BY time_ms ${order}, id ${order} LIMIT ? OFFSET ?`,
        ...params,
        limit,
        start,
      ],
      [`SELECT count(*) AS total FROM audit ${sql}`, ...params],
    ]);
    return { entries: (page?.rows ?? []).map(entryFromRow), total: Number(count?.rows[0]?.total ?? 0) };
  }

  async pruneAudit(beforeMs: number): Promise<number> {
    const [result] = await this.#client.execute([['DELETE FROM audit WHERE time_ms < ?', beforeMs]]);
    return result?.rowsAffected ?? 0;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
