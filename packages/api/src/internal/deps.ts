import type { AgentApi } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import type { Context } from 'hono';
import type { ApiExtras } from '../options.js';
import type { AccessControl } from './acl/access-control.js';
import type { AuditRecorder } from './audit/recorder.js';
import type { RegisteredRoute } from './openapi.js';

/** What every route module is built from. */
export interface RouteDeps {
  readonly agent: AgentApi;
  readonly logger: Logger | undefined;
  readonly extras: ApiExtras;
  /** Zone of jobs without `timezone` (the agent's `--default-timezone`). */
  readonly defaultTimezone: string;
  /** Dkron's per-node, in-memory pause of job submissions (never replicated, lost on restart). */
  readonly submissions: { paused: boolean };
  /** The app's registered routes, read when the OpenAPI document is first asked for. */
  readonly routes: () => readonly RegisteredRoute[];
  /** Tokens and policies; `undefined` when the app was given no access store. */
  readonly access: AccessControl | undefined;
  /** Records a state change in the audit log (a no-op without an access store). */
  readonly audit: AuditRecorder;
  /** Most executions a job's list shows (`max-executions-per-job`); none when undefined. */
  readonly maxExecutionsPerJob: number | undefined;
}

/** The request's query string, with repeated keys and `name[key]` families intact. */
export function searchParams(c: Context): URLSearchParams {
  return new URL(c.req.url).searchParams;
}
