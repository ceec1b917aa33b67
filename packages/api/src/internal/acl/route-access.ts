import type { AclCapability } from '@dkron-core/kernel';
import type { Context } from 'hono';
import type { RouteDoc } from '../describe.js';
import { HttpError } from '../errors.js';
import type { AccessControl } from './access-control.js';
import { ANONYMOUS_CLOSED, ANONYMOUS_OPEN, forbidden, setActor } from './actor.js';

/**
 * Who may call a route when ACLs are on:
 * - `public`: anyone, no token (`/health`, the bootstrap, and every route tagged `ui`: the UI's files);
 * - `token`: any valid token; the handler checks more (e.g. the job named in the body);
 * - `management`: management tokens only (ACL administration);
 * - an object: the token needs one of `capabilities` on `path`. `path` is a template with the route's
 *   `:params` (default: the route's own path), `capabilities` default to the method's (GET `read`,
 *   POST `create`, PUT and PATCH `update`, DELETE `delete`).
 */
export type RouteAccess =
  | 'public'
  | 'token'
  | 'management'
  | { readonly path?: string; readonly capabilities?: readonly AclCapability[] };

const METHOD_CAPABILITY: Record<string, AclCapability> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

/** `template` with its `:params` replaced by the request's (decoded) values, without a trailing slash. */
export function resourcePath(template: string, params: Readonly<Record<string, string>>): string {
  const filled = template.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => params[name] ?? '');
  return filled.length > 1 ? filled.replace(/\/+$/, '') : filled;
}

/**
 * Authenticates the request and checks the route's access rule; records the actor for the handler
 * (and the audit log). A 401 without or with a bad token, a 403 when the token may not.
 */
export async function checkRouteAccess(c: Context, doc: RouteDoc, access: AccessControl): Promise<void> {
  // The UI's files are public (its login page must load); the routes' tag says which those are.
  const rule = doc.access ?? (doc.tags.includes('ui') ? 'public' : {});
  if (rule === 'public') {
    setActor(c, access.enabled ? ANONYMOUS_CLOSED : ANONYMOUS_OPEN);
    return;
  }
  const actor = await access.authenticate(c.req.header('Authorization'));
  setActor(c, actor);
  if (!access.enabled || rule === 'token') return;
  if (rule === 'management') {
    if (actor.type !== 'management') {
      throw new HttpError(
        'FORBIDDEN',
        `token "${actor.name}" may not administer ACLs: that needs a management token`,
      );
    }
    return;
  }
  const path = resourcePath(rule.path ?? c.req.routePath, c.req.param() as Record<string, string>);
  const capabilities = rule.capabilities ?? [METHOD_CAPABILITY[c.req.method] ?? 'read'];
  if (!capabilities.some((capability) => actor.can(path, capability)))
    throw forbidden(actor, capabilities, path);
}
