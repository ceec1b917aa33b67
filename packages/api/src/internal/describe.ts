import type { JsonSchema } from '@dkron-core/plugin-api';
import type { Env, MiddlewareHandler } from 'hono';
import type { RouteAccess } from './acl/route-access.js';
import { gateOf } from './guard/gate.js';

export type { RouteAccess } from './acl/route-access.js';

/** Where a route's OpenAPI description hides on its `describe()` middleware. */
export const ROUTE_DOC = Symbol.for('dkron-core.api.route-doc');

/** One query parameter. */
export interface QueryParamDoc {
  readonly description: string;
  readonly schema?: JsonSchema;
  /** Documents a `name[key]=value` family, e.g. `metadata`. */
  readonly deepObject?: boolean;
}

/** A response header of a route (declared once in `components.headers`). */
export type ResponseHeaderName = 'X-Total-Count' | 'Location';

/** One success response. */
export interface ResponseDoc {
  readonly description: string;
  /** Defaults to `application/json`. */
  readonly contentType?: string;
  readonly schema?: JsonSchema;
  readonly headers?: readonly ResponseHeaderName[];
}

/** Body targets that a typed `hc` client fills. */
export type BodyTarget = 'json' | 'form';

/**
 * A request body. `T` is phantom: it types the `hc` client's argument and never exists at run time.
 */
export interface BodyDoc<Tg extends BodyTarget, T> {
  readonly target: Tg;
  readonly contentType: string;
  readonly description: string;
  readonly schema: JsonSchema;
  readonly phantom?: T;
}

/** Everything the OpenAPI document says about a route. Path parameters come from the path itself. */
export interface RouteDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Descriptions of the path parameters, by name. */
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, QueryParamDoc>>;
  readonly body?: BodyDoc<BodyTarget, unknown>;
  /** Success (and deliberate non-error) responses by status. */
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Error statuses this route answers with, and when. Bodies are `Error`. */
  readonly errors?: Readonly<Record<number, string>>;
  /** Who may call it when ACLs are on; default: its own path with the capability of its method. */
  readonly access?: RouteAccess;
}

/** Every route takes `?pretty` (Dkron's indented JSON). */
export const PRETTY_PARAM: QueryParamDoc = {
  description: 'Present (any value) → indented JSON.',
  schema: { type: 'string' },
};

type QueryOf<D> = D extends { readonly query: infer Q } ? Q : {};
type DeepKeys<Q> = { [K in keyof Q]: Q[K] extends { readonly deepObject: true } ? K : never }[keyof Q] &
  string;
type QueryIn<Q> = {
  query?: { [K in keyof Q | 'pretty']?: string | string[] } & {
    [K in DeepKeys<Q> as `${K}[${string}]`]?: string | string[];
  };
};
type BodyIn<D> = D extends { readonly body: BodyDoc<infer Tg, infer T> } ? { [K in Tg]: T } : {};

/** The Hono input type a described route declares, so that `hc<AppType>` types its arguments. */
export type DescribedInput<D extends RouteDoc> = {
  in: QueryIn<QueryOf<D>> & BodyIn<D>;
  out: {};
};

/** A middleware that carries its route's description. */
export type DescribedMiddleware<D extends RouteDoc, P extends string, E extends Env> = MiddlewareHandler<
  E,
  P,
  DescribedInput<D>,
  never
> & {
  readonly [ROUTE_DOC]: RouteDoc;
};

/**
 * Documents a route where it is registered: `app.get(path, describe({...}), handler)`.
 * The OpenAPI document is generated from these descriptions and the app's route list, so a
 * route cannot exist without being documented (a test checks it), and the query and body
 * declared here type the `hc<AppType>` client.
 *
 * The description is also enforced: before the handler, the app's gate checks the request
 * against it (its access rule, the content type of its body).
 */
export function describe<const D extends RouteDoc, P extends string = string, E extends Env = Env>(
  doc: D,
): DescribedMiddleware<D, P, E> {
  const middleware: MiddlewareHandler<E, P, DescribedInput<D>, never> = async (c, next) => {
    await gateOf(c)?.(c, doc);
    await next();
  };
  return Object.assign(middleware, { [ROUTE_DOC]: doc });
}

/** A JSON request body typed `T` for the client. */
export function jsonBody<T>(schema: JsonSchema, description: string): BodyDoc<'json', T> {
  return { target: 'json', contentType: 'application/json', description, schema };
}

/** A `multipart/form-data` request body typed `T` for the client. */
export function formBody<T>(schema: JsonSchema, description: string): BodyDoc<'form', T> {
  return { target: 'form', contentType: 'multipart/form-data', description, schema };
}

/** The description attached to a route handler, if it is a `describe()` middleware. */
export function routeDocOf(handler: unknown): RouteDoc | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as { [ROUTE_DOC]?: RouteDoc })[ROUTE_DOC];
}
