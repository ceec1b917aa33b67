import { randomUUID } from 'node:crypto';
import type { AccessStore, AclPolicy, AclTokenType, StoredAclToken } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { badRequest, HttpError, notFound } from '../errors.js';
import { type Actor, ANONYMOUS_OPEN } from './actor.js';
import { BUILTIN_POLICIES, compileGrants, validateRules } from './policies.js';
import { hashSecret, newSecret, sameDigest } from './secrets.js';

/** A token as the API shows it: never its secret's digest. */
export interface PublicToken {
  readonly accessor_id: string;
  readonly name: string;
  readonly type: AclTokenType;
  readonly policies: readonly string[];
  readonly create_time: string;
}

/** A token just made: the only time its secret is shown. */
export interface IssuedToken extends PublicToken {
  readonly secret: string;
}

/** A policy as listed: stored ones and the built-ins, which cannot be changed. */
export interface ListedPolicy extends AclPolicy {
  readonly builtin: boolean;
}

/** Options of {@link createAccessControl}. */
export interface AccessControlOptions {
  readonly store: AccessStore;
  /** ACLs on: every route but the public ones needs a token. Off: everyone is `anonymous`. */
  readonly enabled: boolean;
  /** Epoch ms; default `Date.now`. */
  readonly now?: () => number;
  /**
   * How long a resolved token (with its policies) is reused before it is read again. Changes made
   * through this node apply at once; other nodes see them within this time. Default 5000 ms.
   */
  readonly cacheTtlMs?: number;
}

/** Tokens, policies and who a request comes from. */
export interface AccessControl {
  readonly enabled: boolean;
  readonly store: AccessStore;
  /** The actor of an `Authorization` header; a 401 when ACLs are on and it names no valid token. */
  authenticate(authorization: string | undefined): Promise<Actor>;
  /** The first management token; `CONFLICT` once done. */
  bootstrap(): Promise<IssuedToken>;
  /** A new token from `{name, type?, policies?}`; 400s name the bad field. */
  createToken(input: unknown): Promise<IssuedToken>;
  listTokens(): Promise<PublicToken[]>;
  getToken(accessorId: string): Promise<PublicToken>;
  /** Revokes a token; the last management token cannot go (`CONFLICT`). */
  revokeToken(accessorId: string): Promise<PublicToken>;
  listPolicies(): Promise<ListedPolicy[]>;
  getPolicy(name: string): Promise<ListedPolicy>;
  /** Creates or replaces a policy from `{description?, rules}`; resolves to it and the one replaced. */
  applyPolicy(name: string, input: unknown): Promise<{ before: AclPolicy | undefined; after: AclPolicy }>;
  /** Deletes a policy; `CONFLICT` for a built-in one or one a token names. */
  deletePolicy(name: string): Promise<AclPolicy>;
}

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const MAX_TOKEN_NAME = 256;
const CACHE_LIMIT = 10_000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function toPublicToken(token: StoredAclToken): PublicToken {
  return {
    accessor_id: token.accessor_id,
    name: token.name,
    type: token.type,
    policies: [...token.policies],
    create_time: token.create_time,
  };
}

function unauthorized(message: string): HttpError {
  return new HttpError('UNAUTHORIZED', message, { 'WWW-Authenticate': 'Bearer realm="dkron-core"' });
}

/** The secret of `Authorization: Bearer <secret>`. */
function bearerSecret(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw unauthorized('this API needs an ACL token: send Authorization: Bearer <secret>');
  }
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!match) throw unauthorized('Authorization: use the Bearer scheme with the secret of an ACL token');
  return match[1] as string;
}

function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw badRequest(
      'name',
      'a policy name is 1 to 128 letters, digits, _, - and ., starting with a letter or digit',
    );
  }
}

/** Creates the {@link AccessControl} of one API. */
export function createAccessControl(options: AccessControlOptions): AccessControl {
  const { store, enabled } = options;
  const now = options.now ?? Date.now;
  const ttl = options.cacheTtlMs ?? 5_000;
  const cache = new Map<string, { actor: Actor; until: number }>();
  const iso = () => new Date(now()).toISOString();

  async function policiesNamed(names: readonly string[]): Promise<AclPolicy[]> {
    const out: AclPolicy[] = [];
    for (const name of names) {
      const policy = BUILTIN_POLICIES.get(name) ?? (await store.getPolicy(name));
      // A policy deleted since is no grant at all (deletion is refused while a token names it).
      if (policy) out.push(policy);
    }
    return out;
  }

  async function actorOfToken(token: StoredAclToken): Promise<Actor> {
    const base = { name: token.name, accessor: token.accessor_id, policies: [...token.policies] };
    if (token.type === 'management') return { ...base, type: 'management', can: () => true };
    const grants = compileGrants(await policiesNamed(token.policies));
    return { ...base, type: 'client', grants, can: (path, capability) => grants.on(path).has(capability) };
  }

  async function issue(name: string, type: AclTokenType, policies: readonly string[], bootstrap: boolean) {
    const secret = newSecret();
    const token: StoredAclToken = {
      accessor_id: randomUUID(),
      secret_hash: hashSecret(secret),
      name,
      type,
      policies,
      create_time: iso(),
    };
    if (bootstrap) {
      if (!(await store.bootstrapToken(token))) {
        throw new DkronError(
          'CONFLICT',
          'ACL bootstrap already done: create tokens with a management token (dkron-core acl token create)',
        );
      }
    } else {
      await store.createToken(token);
    }
    return { ...toPublicToken(token), secret };
  }

  function changed(): void {
    cache.clear();
  }

  async function requireToken(accessorId: string): Promise<StoredAclToken> {
    const token = await store.getToken(accessorId);
    if (!token) throw notFound(`ACL token ${accessorId} not found`);
    return token;
  }

  return {
    enabled,
    store,

    async authenticate(authorization) {
      if (!enabled) return ANONYMOUS_OPEN;
      const hash = hashSecret(bearerSecret(authorization));
      const cached = cache.get(hash);
      if (cached && cached.until > now()) return cached.actor;
      const token = await store.tokenBySecretHash(hash);
      // The store found the row by its digest; the comparison that decides is constant-time.
      if (!token || !sameDigest(token.secret_hash, hash)) {
        throw unauthorized('ACL token not found: it was revoked or belongs to another cluster');
      }
      const actor = await actorOfToken(token);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(hash, { actor, until: now() + ttl });
      return actor;
    },

    async bootstrap() {
      const issued = await issue('bootstrap', 'management', [], true);
      changed();
      return issued;
    },

    async createToken(input) {
      if (!isObject(input))
        throw badRequest('body', 'expected {"name": "...", "type": "client", "policies": [...]}');
      for (const key of Object.keys(input)) {
        if (!['name', 'type', 'policies'].includes(key)) throw badRequest(key, 'unknown field');
      }
      const { name, type = 'client', policies = [] } = input;
      if (
        typeof name !== 'string' ||
        name.trim() === '' ||
        name.length > MAX_TOKEN_NAME ||
        /\p{Cc}/u.test(name)
      ) {
        throw badRequest('name', `a token needs a name of 1 to ${MAX_TOKEN_NAME} printable characters`);
      }
      if (type !== 'client' && type !== 'management') throw badRequest('type', 'use client or management');
      if (!Array.isArray(policies) || policies.some((p) => typeof p !== 'string')) {
        throw badRequest('policies', 'expected a list of policy names');
      }
      const names = [...new Set(policies as string[])];
      if (type === 'management' && names.length > 0) {
        throw badRequest('policies', 'a management token may do everything and takes no policies');
      }
      if (type === 'client' && names.length === 0) {
        throw badRequest('policies', 'a client token needs at least one policy (e.g. default or read-only)');
      }
      for (const policy of names) {
        if (!BUILTIN_POLICIES.has(policy) && !(await store.getPolicy(policy))) {
          throw badRequest('policies', `no policy named ${JSON.stringify(policy)}`);
        }
      }
      const issued = await issue(name, type, names, false);
      changed();
      return issued;
    },

    async listTokens() {
      return (await store.listTokens()).map(toPublicToken);
    },

    async getToken(accessorId) {
      return toPublicToken(await requireToken(accessorId));
    },

    async revokeToken(accessorId) {
      const token = await requireToken(accessorId);
      if (token.type === 'management') {
        const managers = (await store.listTokens()).filter((t) => t.type === 'management');
        if (managers.length <= 1) {
          throw new DkronError(
            'CONFLICT',
            'the last management token cannot be revoked: create another management token first',
          );
        }
      }
      await store.deleteToken(accessorId);
      changed();
      return toPublicToken(token);
    },

    async listPolicies() {
      const stored = (await store.listPolicies()).map((p) => ({ ...p, builtin: false }));
      const builtins = [...BUILTIN_POLICIES.values()].map((p) => ({ ...p, builtin: true }));
      return [...builtins, ...stored].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    async getPolicy(name) {
      const builtin = BUILTIN_POLICIES.get(name);
      if (builtin) return { ...builtin, builtin: true };
      const policy = await store.getPolicy(name);
      if (!policy) throw notFound(`ACL policy ${name} not found`);
      return { ...policy, builtin: false };
    },

    async applyPolicy(name, input) {
      checkPolicyName(name);
      if (BUILTIN_POLICIES.has(name)) {
        throw new DkronError(
          'CONFLICT',
          `${name} is a built-in policy and cannot be changed; apply one of another name`,
        );
      }
      if (!isObject(input))
        throw badRequest('body', 'expected {"description": "...", "rules": {"path": {...}}}');
      for (const key of Object.keys(input)) {
        if (!['description', 'rules'].includes(key)) throw badRequest(key, 'unknown field');
      }
      const description = input.description ?? '';
      if (typeof description !== 'string') throw badRequest('description', 'expected a string');
      const rules = validateRules(input.rules);
      const before = await store.getPolicy(name);
      const time = iso();
      const after = await store.savePolicy({
        name,
        description,
        rules,
        create_time: time,
        modify_time: time,
      });
      changed();
      return { before, after };
    },

    async deletePolicy(name) {
      if (BUILTIN_POLICIES.has(name))
        throw new DkronError('CONFLICT', `${name} is a built-in policy and cannot be deleted`);
      const policy = await store.getPolicy(name);
      if (!policy) throw notFound(`ACL policy ${name} not found`);
      const outcome = await store.deletePolicy(name);
      if (outcome === 'missing') throw notFound(`ACL policy ${name} not found`);
      if (outcome === 'in-use') {
        const users = (await store.listTokens()).filter((t) => t.policies.includes(name)).map((t) => t.name);
        throw new DkronError(
          'CONFLICT',
          `policy ${name} is used by token(s) ${users.map((u) => JSON.stringify(u)).join(', ')}: revoke them first`,
        );
      }
      changed();
      return policy;
    },
  };
}
