import type { AclCapability, AclTokenType } from '@dkron-core/kernel';
import type { Context } from 'hono';
import { HttpError } from '../errors.js';
import type { Grants } from './policies.js';

/** Who sends a request. */
export interface Actor {
  /** Token name, or `anonymous`. */
  readonly name: string;
  /** Token accessor id; `''` for anonymous. */
  readonly accessor: string;
  /** `anonymous`: ACLs are off (may do everything) or a public route was called without a token. */
  readonly type: AclTokenType | 'anonymous';
  /** The policies of a client token. */
  readonly policies: readonly string[];
  /** Whether the actor has `capability` on `path`. */
  can(path: string, capability: AclCapability): boolean;
  /** The rules merged (client tokens), for a UI to know what to show. */
  readonly grants?: Grants;
}

/** Anyone, when ACLs are off: every change is still audited as `anonymous`. */
export const ANONYMOUS_OPEN: Actor = {
  name: 'anonymous',
  accessor: '',
  type: 'anonymous',
  policies: [],
  can: () => true,
};

/** A caller without a token on a public route while ACLs are on. */
export const ANONYMOUS_CLOSED: Actor = { ...ANONYMOUS_OPEN, can: () => false };

const KEY = 'dkron-core.actor';
type ActorContext = Context<{ Variables: { [KEY]: Actor } }>;

/** Records who sends this request. */
export function setActor(c: Context, actor: Actor): void {
  (c as unknown as ActorContext).set(KEY, actor);
}

/** Who sends this request; anonymous with every right when nothing authenticated it (ACLs off). */
export function actorOf(c: Context): Actor {
  return (c as unknown as ActorContext).get(KEY) ?? ANONYMOUS_OPEN;
}

/** `list or read`, `update`, … */
function capabilitiesText(capabilities: readonly AclCapability[]): string {
  return capabilities.join(' or ');
}

/** A 403 saying which token may not do what on which path. */
export function forbidden(actor: Actor, capabilities: readonly AclCapability[], path: string): HttpError {
  const who = actor.type === 'anonymous' ? 'an anonymous request' : `token "${actor.name}"`;
  return new HttpError('FORBIDDEN', `${who} may not ${capabilitiesText(capabilities)} ${path}`);
}

/** Throws a 403 unless the actor has one of `capabilities` on `path`. */
export function requireCapability(c: Context, path: string, capabilities: readonly AclCapability[]): void {
  const actor = actorOf(c);
  if (!capabilities.some((capability) => actor.can(path, capability)))
    throw forbidden(actor, capabilities, path);
}
