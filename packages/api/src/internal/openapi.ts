import type { JsonSchema } from '@dkron-core/plugin-api';
import { PRETTY_PARAM, type RouteDoc, routeDocOf } from './describe.js';
import { COMPONENT_SCHEMAS, ref } from './schemas.js';

/** A route as Hono lists it in `app.routes`. */
export interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: unknown;
}

/** A generated OpenAPI 3.1 document (plain JSON). */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, JsonSchema>>;
  readonly components: Record<string, Record<string, JsonSchema>>;
  readonly [key: string]: unknown;
}

const HEADERS: Record<string, JsonSchema> = {
  'X-Whom': { description: 'Name of the node that answered.', schema: { type: 'string' } },
  'X-Total-Count': {
    description: 'Number of items matching the filters, before slicing.',
    schema: { type: 'integer' },
  },
  Location: { description: 'URI of the job concerned.', schema: { type: 'string' } },
};

/** `/v1/jobs/:job` → `/v1/jobs/{job}`; a trailing `*` becomes a `{path}` parameter. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function pathParams(openApiPath: string, doc: RouteDoc): JsonSchema[] {
  return [...openApiPath.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    description: doc.params?.[name] ?? (name === 'path' ? 'Any path below this prefix.' : name),
    schema: { type: 'string' },
  }));
}

function queryParams(doc: RouteDoc): JsonSchema[] {
  return Object.entries({ ...doc.query, pretty: PRETTY_PARAM }).map(([name, param]) => ({
    name,
    in: 'query',
    required: false,
    description: param.description,
    schema: param.schema ?? { type: 'string' },
    ...(param.deepObject ? { style: 'deepObject', explode: true } : {}),
  }));
}

/** Refusals the HTTP layer adds to a route, whatever its handler does. */
function implicitErrors(method: string, doc: RouteDoc): Record<string, string> {
  const out: Record<string, string> = {};
  const open = doc.access === 'public' || (doc.access === undefined && doc.tags.includes('ui'));
  const refusals: string[] = [];
  if (!open) {
    out[401] = 'ACLs are on and the request has no `Authorization: Bearer <secret>` of a valid token.';
    refusals.push(
      doc.access === 'management'
        ? 'the token is not a management token'
        : "the token's policies do not grant the capability on the path",
    );
  }
  if (!['get', 'head', 'options'].includes(method)) {
    refusals.push('a browser request from another origin not listed in `--cors-allowed-origins`');
  }
  if (refusals.length > 0) out[403] = `Refused: ${refusals.join('; or ')}.`;
  if (doc.body?.contentType === 'application/json') out[415] = 'The body is not `application/json`.';
  return out;
}

function responses(method: string, doc: RouteDoc): JsonSchema {
  const whom = { 'X-Whom': { $ref: '#/components/headers/X-Whom' } };
  const out: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    const headers = { ...whom };
    for (const name of response.headers ?? []) {
      Object.assign(headers, { [name]: { $ref: `#/components/headers/${name}` } });
    }
    out[status] = {
      description: response.description,
      headers,
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema } } }
        : {}),
    };
  }
  const errors: Record<string, string> = { ...implicitErrors(method, doc), ...doc.errors };
  for (const [status, description] of Object.entries(errors)) {
    out[status] = { description, headers: whom, content: { 'application/json': { schema: ref('Error') } } };
  }
  out.default = {
    description: 'Unexpected error (`internal error`); no internals are shown.',
    headers: whom,
    content: { 'application/json': { schema: ref('Error') } },
  };
  return out;
}

function operation(openApiPath: string, method: string, doc: RouteDoc): JsonSchema {
  const parameters = [...pathParams(openApiPath, doc), ...queryParams(doc)];
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: doc.tags,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            description: doc.body.description,
            content: { [doc.body.contentType]: { schema: doc.body.schema } },
          },
        }
      : {}),
    responses: responses(method, doc),
  };
}

/**
 * Generates the OpenAPI document from the app's registered routes: every route whose handlers
 * include a `describe()` middleware becomes an operation, in registration order.
 */
export function buildOpenApiDocument(
  routes: readonly RegisteredRoute[],
  info: { version: string },
): OpenApiDocument {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const doc = routeDocOf(route.handler);
    if (!doc) continue;
    const path = toOpenApiPath(route.path);
    paths[path] ??= {};
    const method = route.method.toLowerCase();
    paths[path][method] = operation(path, method, doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'dkron-core REST API',
      version: info.version,
      description:
        "Dkron's v1 API as served by dkron-core, plus dkron-core's extensions. Add `?pretty` to any " +
        'request for indented JSON. Errors are JSON `{"message", "code", "field"?}`.',
    },
    paths,
    components: { schemas: COMPONENT_SCHEMAS, headers: HEADERS },
  };
}
