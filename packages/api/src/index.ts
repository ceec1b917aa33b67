/**
 * `@dkron-core/api`: the Hono app of a dkron-core node. Dkron's v1 REST API (statuses, headers
 * and messages as Dkron's server sends them), `/health`, the UI under `/ui/`, and dkron-core's
 * extensions, with an OpenAPI 3.1 document generated from the routes at `/v1/openapi.json`.
 * Closed to browsers of other origins by default; with an access store, Dkron Pro's ACLs
 * (`/v1/acl`) and the audit log (`/v1/audit`).
 *
 * @packageDocumentation
 */

export type { AppType } from './create-api.js';
export { createApi } from './create-api.js';
export type { ErrorBody } from './internal/errors.js';
export type { OpenApiDocument } from './internal/openapi.js';
export type { AclPolicyInput, AclTokenInput } from './internal/routes/acl.js';
export type { ListedMember } from './internal/routes/cluster.js';
export type { JobInput } from './internal/routes/jobs.js';
export type { RestoreForm } from './internal/routes/system.js';
export type { ApiAccess, ApiExtras, ApiOptions, JobGraph } from './options.js';
