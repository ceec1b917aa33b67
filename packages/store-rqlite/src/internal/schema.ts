import { DkronError, type Logger } from '@dkron-core/plugin-api';
import type { RqliteClient, SqlStatement } from '../rqlite-client.js';

/**
 * Versioned schema. A migration is a list of statements applied in one transaction together with its
 * `schema_version` row. Statements are idempotent (`IF NOT EXISTS`) where SQLite allows it, and a
 * migration that fails because another server applied it first is skipped, so that servers starting at
 * the same time may race through the same migration safely.
 *
 * Times are `<fixed-width UTC key>|<text>` strings (see `time-key.ts`); launch slots are epoch ms.
 * Execution ids are unique per job only (Dkron keys them `executions:<job>:<id>`), hence the composite key.
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE IF NOT EXISTS jobs (
      name TEXT PRIMARY KEY,
      displayname TEXT NOT NULL DEFAULT '',
      schedule TEXT NOT NULL DEFAULT '',
      timezone TEXT NOT NULL DEFAULT '',
      success_count INTEGER NOT NULL DEFAULT 0,
      error_count INTEGER NOT NULL DEFAULT 0,
      last_success TEXT,
      last_error TEXT,
      next TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT '',
      disabled INTEGER NOT NULL DEFAULT 0,
      parent_job TEXT NOT NULL DEFAULT '',
      missed_count INTEGER NOT NULL DEFAULT 0,
      metadata TEXT,
      doc TEXT NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS jobs_displayname ON jobs (displayname, name)',
    'CREATE INDEX IF NOT EXISTS jobs_schedule ON jobs (schedule, name)',
    'CREATE INDEX IF NOT EXISTS jobs_success_count ON jobs (success_count, name)',
    'CREATE INDEX IF NOT EXISTS jobs_error_count ON jobs (error_count, name)',
    'CREATE INDEX IF NOT EXISTS jobs_last_success ON jobs (last_success, name)',
    'CREATE INDEX IF NOT EXISTS jobs_last_error ON jobs (last_error, name)',
    'CREATE INDEX IF NOT EXISTS jobs_next ON jobs (next, name)',
    // Covering indexes of the filtered counts of GET /v1/jobs: a count reads them instead of the rows.
    'CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, name, displayname, disabled, metadata)',
    'CREATE INDEX IF NOT EXISTS jobs_disabled ON jobs (disabled, name, displayname, status, metadata)',
    'CREATE INDEX IF NOT EXISTS jobs_filter ON jobs (name, displayname, status, disabled, metadata)',
    'CREATE INDEX IF NOT EXISTS jobs_parent_job ON jobs (parent_job, name)',
    `CREATE TABLE IF NOT EXISTS executions (
      job_name TEXT NOT NULL,
      id TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT NOT NULL,
      status TEXT NOT NULL,
      success INTEGER NOT NULL DEFAULT 0,
      output TEXT NOT NULL DEFAULT '',
      node_name TEXT NOT NULL DEFAULT '',
      grp INTEGER NOT NULL DEFAULT 0,
      attempt INTEGER NOT NULL DEFAULT 1,
      scheduled_at TEXT,
      counted INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (job_name, id)
    )`,
    'CREATE INDEX IF NOT EXISTS executions_job_started ON executions (job_name, started_at)',
    'CREATE INDEX IF NOT EXISTS executions_job_finished ON executions (job_name, finished_at)',
    'CREATE INDEX IF NOT EXISTS executions_job_group ON executions (job_name, grp, node_name, attempt)',
    'CREATE INDEX IF NOT EXISTS executions_status ON executions (status)',
    `CREATE TABLE IF NOT EXISTS launches (
      job TEXT NOT NULL,
      scheduled_at INTEGER NOT NULL,
      grp INTEGER NOT NULL,
      epoch INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      token TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (job, scheduled_at)
    )`,
    `CREATE TABLE IF NOT EXISTS stats (
      day TEXT PRIMARY KEY,
      success_count INTEGER NOT NULL DEFAULT 0,
      failed_count INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE TABLE IF NOT EXISTS leader (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS members (
      name TEXT PRIMARY KEY,
      addr TEXT NOT NULL DEFAULT '',
      tags TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL DEFAULT 'alive',
      server INTEGER NOT NULL DEFAULT 0,
      last_seen INTEGER NOT NULL DEFAULT 0,
      doc TEXT NOT NULL DEFAULT '{}'
    )`,
  ],
  [
    // Tokens of applied non-idempotent writes (a missed-slot increment): a request the client retries
    // after an unknown outcome finds its token and applies nothing twice. Kept an hour.
    `CREATE TABLE IF NOT EXISTS write_tokens (
      token TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS write_tokens_created ON write_tokens (created_at)',
  ],
  [
    // Access control (ACL tokens and policies) and the audit log: see rqlite-access-store.ts. A token is
    // kept as the SHA-256 of its secret; `acl_meta.bootstrap` names the one bootstrap token.
    `CREATE TABLE IF NOT EXISTS acl_tokens (
      accessor_id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      type TEXT NOT NULL,
      policies TEXT NOT NULL DEFAULT '[]',
      create_time TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS acl_policies (
      name TEXT PRIMARY KEY,
      description TEXT NOT NULL DEFAULT '',
      rules TEXT NOT NULL,
      create_time TEXT NOT NULL,
      modify_time TEXT NOT NULL
    )`,
    'CREATE TABLE IF NOT EXISTS acl_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS audit (
      id TEXT PRIMARY KEY,
      time_ms INTEGER NOT NULL,
      time TEXT NOT NULL,
      token TEXT NOT NULL,
      token_accessor TEXT NOT NULL DEFAULT '',
      source TEXT NOT NULL DEFAULT '',
      action TEXT NOT NULL,
      job TEXT NOT NULL DEFAULT '',
      diff TEXT,
      details TEXT
    )`,
    'CREATE INDEX IF NOT EXISTS audit_time ON audit (time_ms, id)',
    'CREATE INDEX IF NOT EXISTS audit_job ON audit (job, time_ms, id)',
    'CREATE INDEX IF NOT EXISTS audit_token ON audit (token, time_ms, id)',
    'CREATE INDEX IF NOT EXISTS audit_action ON audit (action, time_ms, id)',
  ],
  [
    // One row that /health rewrites while the disk is known to be full, to see when writes work again.
    'CREATE TABLE IF NOT EXISTS store_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)',
  ],
  [
    // The definition revision of a job, for compare-and-set saves (Store.readJob / expectedVersion): 1 at
    // creation, +1 per save. Existing jobs start at 1. ADD COLUMN has no IF NOT EXISTS: a server that loses
    // the race to apply this migration sees the version row written and moves on (see migrate).
    'ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 1',
  ],
];

/** The schema version this package writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

async function currentVersion(client: RqliteClient): Promise<number> {
  const [result] = await client.query([['SELECT coalesce(max(version), 0) AS version FROM schema_version']], {
    level: 'strong',
  });
  const version = result?.rows[0]?.version;
  return typeof version === 'number' ? version : 0;
}

/**
 * Brings the schema to {@link SCHEMA_VERSION}. Idempotent; refuses a database written by a newer version.
 * @returns the version found before migrating.
 */
export async function migrate(client: RqliteClient, logger: Logger, now = Date.now()): Promise<number> {
  await client.execute([
    ['CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)'],
  ]);
  const found = await currentVersion(client);
  if (found > SCHEMA_VERSION) {
    throw new DkronError(
      'INTERNAL',
      `the rqlite schema is at version ${found}, newer than this dkron-core supports (${SCHEMA_VERSION}); upgrade dkron-core`,
    );
  }
  for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
    const statements: SqlStatement[] = MIGRATIONS[version - 1]!.map((sql) => [sql]);
    statements.push([
      'INSERT OR IGNORE INTO schema_version (version, applied_at) VALUES (?, ?)',
      version,
      now,
    ]);
    try {
      await client.execute(statements, { transaction: true });
    } catch (error) {
      // Another server applied this version meanwhile (a statement that is not idempotent failed here).
      if ((await currentVersion(client)) >= version) continue;
      throw error;
    }
    logger.info('rqlite schema migrated', { version });
  }
  return found;
}
