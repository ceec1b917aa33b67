import { ACL_CAPABILITIES, type AclCapability } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import { type Context, Hono } from 'hono';
import type { AccessControl } from '../acl/access-control.js';
import { actorOf } from '../acl/actor.js';
import { globProblem } from '../acl/glob.js';
import { readJsonObject } from '../body.js';
import { type RouteDeps, searchParams } from '../deps.js';
import { describe, jsonBody } from '../describe.js';
import { badRequest } from '../errors.js';
import { arrayOf, ref } from '../schemas.js';

/** What a client posts to create a token. */
export interface AclTokenInput {
  readonly name: string;
  readonly type?: 'client' | 'management';
  readonly policies?: readonly string[];
}

/** What a client puts to apply a policy. */
export interface AclPolicyInput {
  readonly description?: string;
  readonly rules: { readonly path: Readonly<Record<string, { readonly capabilities: readonly string[] }>> };
}

const DISABLED =
  'ACLs are disabled on this server: start the agents with --acl-enabled (or acl: enabled: true in the config file)';

const TAGS = ['acl'];

function control(deps: RouteDeps): AccessControl {
  if (!deps.access?.enabled) throw new DkronError('NOT_FOUND', DISABLED);
  return deps.access;
}

/** The capabilities the caller has on each `path` query parameter. */
function capabilitiesAsked(c: Context): Record<string, AclCapability[]> {
  const actor = actorOf(c);
  const out: Record<string, AclCapability[]> = {};
  for (const path of searchParams(c).getAll('path')) {
    const problem = path.includes('*') ? 'ask about a concrete path, not a glob' : globProblem(path);
    if (problem) throw badRequest('path', `${JSON.stringify(path)}: ${problem}`);
    out[path] = ACL_CAPABILITIES.filter((capability) => actor.can(path, capability));
  }
  return out;
}

/**
 * Dkron Pro's ACL administration under `/v1/acl` (the routes `dkron-core acl …` calls): bootstrap,
 * policies and tokens for management tokens, and `token/self` for any token to learn what it may do.
 * They answer 404 while ACLs are disabled.
 */
export function aclRoutes(deps: RouteDeps) {
  return new Hono()
    .post(
      '/v1/acl/bootstrap',
      describe({
        operationId: 'aclBootstrap',
        summary: 'Create the first management token (once)',
        description: 'Needs no token. Prints the secret once; later calls answer 409.',
        tags: TAGS,
        access: 'public',
        responses: { 200: { description: 'The bootstrap token, with its secret.', schema: ref('AclToken') } },
        errors: { 404: 'ACLs are disabled.', 409: 'Bootstrap was done already.' },
      }),
      async (c) => {
        const token = await control(deps).bootstrap();
        await deps.audit(c, { action: 'acl.bootstrap', details: { accessor_id: token.accessor_id } });
        return c.json(token, 200);
      },
    )
    .get(
      '/v1/acl/token/self',
      describe({
        operationId: 'aclTokenSelf',
        summary: 'The calling token and what it may do',
        description:
          'Its policies merged into one rule set, and for each `path` asked for, its capabilities there, ' +
          'so that a UI can hide what the token cannot do. With ACLs disabled: `anonymous`, every capability.',
        tags: TAGS,
        access: 'token',
        query: {
          path: {
            description: 'A concrete path such as `/v1/jobs/etl/run`; repeatable.',
            schema: { type: 'string' },
          },
        },
        responses: { 200: { description: 'The token.', schema: ref('AclSelf') } },
        errors: { 400: 'A `path` is not a path.' },
      }),
      async (c) => {
        const actor = actorOf(c);
        const token =
          actor.type === 'anonymous' || !deps.access
            ? undefined
            : await deps.access.store.getToken(actor.accessor);
        const everything = { path: { '/**': { capabilities: [...ACL_CAPABILITIES] } } };
        return c.json(
          {
            accessor_id: actor.accessor,
            name: actor.name,
            type: actor.type,
            policies: [...actor.policies],
            ...(token ? { create_time: token.create_time } : {}),
            acl_enabled: deps.access?.enabled ?? false,
            rules: actor.grants?.merged ?? everything,
            capabilities: capabilitiesAsked(c),
          },
          200,
        );
      },
    )
    .get(
      '/v1/acl/policies',
      describe({
        operationId: 'aclPolicyList',
        summary: 'List policies, built-in ones included',
        tags: TAGS,
        access: 'management',
        responses: {
          200: {
            description: 'Every policy, by name.',
            schema: arrayOf('AclPolicy'),
            headers: ['X-Total-Count'],
          },
        },
        errors: { 404: 'ACLs are disabled.' },
      }),
      async (c) => {
        const policies = await control(deps).listPolicies();
        c.header('X-Total-Count', String(policies.length));
        return c.json(policies, 200);
      },
    )
    .get(
      '/v1/acl/policies/:name',
      describe({
        operationId: 'aclPolicyRead',
        summary: 'Show a policy',
        tags: TAGS,
        access: 'management',
        params: { name: 'Policy name.' },
        responses: { 200: { description: 'The policy.', schema: ref('AclPolicy') } },
        errors: { 404: 'No such policy, or ACLs are disabled.' },
      }),
      async (c) => c.json(await control(deps).getPolicy(c.req.param('name')), 200),
    )
    .put(
      '/v1/acl/policies/:name',
      describe({
        operationId: 'aclPolicyApply',
        summary: 'Create or replace a policy',
        tags: TAGS,
        access: 'management',
        params: { name: 'Policy name: letters, digits, `_`, `-`, `.`.' },
        body: jsonBody<AclPolicyInput>(
          ref('AclPolicyInput'),
          'The policy: Dkron Pro rules and a description.',
        ),
        responses: { 200: { description: 'The stored policy.', schema: ref('AclPolicy') } },
        errors: {
          400: 'Bad name, unknown key, bad glob or unknown capability (the field is named).',
          404: 'ACLs are disabled.',
          409: 'The name is a built-in policy.',
        },
      }),
      async (c) => {
        const name = c.req.param('name');
        const { before, after } = await control(deps).applyPolicy(name, await readJsonObject(c.req));
        await deps.audit(c, {
          action: 'acl.policy.apply',
          before: before ? { description: before.description, rules: before.rules } : null,
          after: { description: after.description, rules: after.rules },
          details: { policy: name },
        });
        return c.json({ ...after, builtin: false }, 200);
      },
    )
    .delete(
      '/v1/acl/policies/:name',
      describe({
        operationId: 'aclPolicyDelete',
        summary: 'Delete a policy no token uses',
        tags: TAGS,
        access: 'management',
        params: { name: 'Policy name.' },
        responses: { 200: { description: 'The deleted policy.', schema: ref('AclPolicy') } },
        errors: { 404: 'No such policy, or ACLs are disabled.', 409: 'Built in, or named by a token.' },
      }),
      async (c) => {
        const policy = await control(deps).deletePolicy(c.req.param('name'));
        await deps.audit(c, {
          action: 'acl.policy.delete',
          before: { description: policy.description, rules: policy.rules },
          after: null,
          details: { policy: policy.name },
        });
        return c.json({ ...policy, builtin: false }, 200);
      },
    )
    .get(
      '/v1/acl/tokens',
      describe({
        operationId: 'aclTokenList',
        summary: 'List tokens (without secrets)',
        tags: TAGS,
        access: 'management',
        responses: {
          200: {
            description: 'Every token, oldest first.',
            schema: arrayOf('AclToken'),
            headers: ['X-Total-Count'],
          },
        },
        errors: { 404: 'ACLs are disabled.' },
      }),
      async (c) => {
        const tokens = await control(deps).listTokens();
        c.header('X-Total-Count', String(tokens.length));
        return c.json(tokens, 200);
      },
    )
    .post(
      '/v1/acl/tokens',
      describe({
        operationId: 'aclTokenCreate',
        summary: 'Create a token',
        description: 'The answer is the only place the secret is ever shown.',
        tags: TAGS,
        access: 'management',
        body: jsonBody<AclTokenInput>(ref('AclTokenInput'), 'Name, type and (for client tokens) policies.'),
        responses: { 201: { description: 'The token, with its secret.', schema: ref('AclToken') } },
        errors: { 400: 'A bad field, or an unknown policy.', 404: 'ACLs are disabled.' },
      }),
      async (c) => {
        const token = await control(deps).createToken(await readJsonObject(c.req));
        const { secret: _secret, ...shown } = token;
        await deps.audit(c, { action: 'acl.token.create', details: shown });
        return c.json(token, 201);
      },
    )
    .get(
      '/v1/acl/tokens/:accessor',
      describe({
        operationId: 'aclTokenRead',
        summary: 'Show a token (without its secret)',
        tags: TAGS,
        access: 'management',
        params: { accessor: 'Accessor id.' },
        responses: { 200: { description: 'The token.', schema: ref('AclToken') } },
        errors: { 404: 'No such token, or ACLs are disabled.' },
      }),
      async (c) => c.json(await control(deps).getToken(c.req.param('accessor')), 200),
    )
    .delete(
      '/v1/acl/tokens/:accessor',
      describe({
        operationId: 'aclTokenRevoke',
        summary: 'Revoke a token',
        tags: TAGS,
        access: 'management',
        params: { accessor: 'Accessor id.' },
        responses: { 200: { description: 'The revoked token.', schema: ref('AclToken') } },
        errors: { 404: 'No such token, or ACLs are disabled.', 409: 'It is the last management token.' },
      }),
      async (c) => {
        const token = await control(deps).revokeToken(c.req.param('accessor'));
        await deps.audit(c, { action: 'acl.token.revoke', details: { ...token } });
        return c.json(token, 200);
      },
    );
}
