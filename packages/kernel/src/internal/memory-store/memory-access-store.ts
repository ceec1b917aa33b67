/**
 * The AccessStore port in memory, for tests and for API apps without a real store. It follows the
 * port's semantics exactly (the shared contract suite, `@dkron-core/store-testing`, checks it against the rqlite
 * one) and works on copies, so callers can never alter stored state in place.
 */

import type {
  AccessStore,
  AclPolicy,
  AuditEntry,
  AuditPage,
  AuditQuery,
  PolicyDeletion,
  StoredAclToken,
} from '../../ports/access.js';

const copy = <T>(value: T): T => structuredClone(value);

function matches(entry: AuditEntry, query: AuditQuery): boolean {
  const ms = Date.parse(entry.time);
  return (
    (query.job === undefined || entry.job === query.job) &&
    (query.token === undefined || entry.token === query.token) &&
    (query.action === undefined || entry.action === query.action) &&
    (query.sinceMs === undefined || ms >= query.sinceMs) &&
    (query.untilMs === undefined || ms < query.untilMs)
  );
}

function byTimeThenId(a: AuditEntry, b: AuditEntry): number {
  const diff = Date.parse(a.time) - Date.parse(b.time);
  return diff !== 0 ? diff : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Creates an empty in-memory {@link AccessStore}. */
export function createMemoryAccessStore(): AccessStore {
  const tokens = new Map<string, StoredAclToken>();
  const policies = new Map<string, AclPolicy>();
  const audit = new Map<string, AuditEntry>();
  let bootstrapped: string | undefined;

  return {
    async bootstrapToken(token) {
      if (bootstrapped !== undefined && bootstrapped !== token.accessor_id) return false;
      bootstrapped = token.accessor_id;
      if (!tokens.has(token.accessor_id)) tokens.set(token.accessor_id, copy(token));
      return true;
    },

    async createToken(token) {
      if (!tokens.has(token.accessor_id)) tokens.set(token.accessor_id, copy(token));
    },

    async tokenBySecretHash(secretHash) {
      for (const token of tokens.values()) if (token.secret_hash === secretHash) return copy(token);
      return undefined;
    },

    async getToken(accessorId) {
      const token = tokens.get(accessorId);
      return token === undefined ? undefined : copy(token);
    },

    async listTokens() {
      return [...tokens.values()]
        .sort(
          (a, b) => a.create_time.localeCompare(b.create_time) || a.accessor_id.localeCompare(b.accessor_id),
        )
        .map(copy);
    },

    async deleteToken(accessorId) {
      return tokens.delete(accessorId);
    },

    async savePolicy(policy) {
      const existing = policies.get(policy.name);
      const stored = { ...copy(policy), create_time: existing?.create_time ?? policy.create_time };
      policies.set(policy.name, stored);
      return copy(stored);
    },

    async getPolicy(name) {
      const policy = policies.get(name);
      return policy === undefined ? undefined : copy(policy);
    },

    async listPolicies() {
      return [...policies.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map(copy);
    },

    async deletePolicy(name): Promise<PolicyDeletion> {
      if (!policies.has(name)) return 'missing';
      for (const token of tokens.values()) if (token.policies.includes(name)) return 'in-use';
      policies.delete(name);
      return 'deleted';
    },

    async appendAudit(entries) {
      for (const entry of entries) if (!audit.has(entry.id)) audit.set(entry.id, copy(entry));
    },

    async listAudit(query): Promise<AuditPage> {
      const found = [...audit.values()].filter((e) => matches(e, query)).sort(byTimeThenId);
      if (query.order !== 'ASC') found.reverse();
      const start = Math.max(0, Math.trunc(query.start ?? 0));
      const end = Math.min(found.length, Math.trunc(query.end ?? found.length));
      return { entries: found.slice(start, Math.max(start, end)).map(copy), total: found.length };
    },

    async pruneAudit(beforeMs) {
      let pruned = 0;
      for (const [id, entry] of audit) {
        if (Date.parse(entry.time) < beforeMs) {
          audit.delete(id);
          pruned++;
        }
      }
      return pruned;
    },

    async close() {},
  };
}
