import type { Context } from 'hono';
import type { RouteDoc } from '../describe.js';

/**
 * What every described route runs before its handler: the checks that need to know the route
 * (its documented body, its access rule). The app installs one per request; `describe()` calls it.
 */
export type Gate = (c: Context, doc: RouteDoc) => Promise<void> | void;

const KEY = 'dkron-core.gate';
type GateContext = Context<{ Variables: { [KEY]: Gate } }>;

/** Installs the gate of this request (in the context: middleware may replace `c.req.raw`). */
export function setGate(c: Context, gate: Gate): void {
  (c as unknown as GateContext).set(KEY, gate);
}

/** The gate of this request, if the app installed one. */
export function gateOf(c: Context): Gate | undefined {
  return (c as unknown as GateContext).get(KEY);
}
