import type { AgentApi } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import type { Context } from 'hono';
import type { ApiExtras } from '../options.js';
import type { RegisteredRoute } from './openapi.js';

/** What every route module is built from. */
export interface RouteDeps {
  readonly agent: AgentApi;
  readonly logger: Logger | undefined;
  readonly extras: ApiExtras;
  /** Dkron's per-node, in-memory pause of job submissions (never replicated, lost on restart). */
  readonly submissions: { paused: boolean };
  /** The app's registered routes, read when the OpenAPI document is first asked for. */
  readonly routes: () => readonly RegisteredRoute[];
  /** Most executions a job's list shows (`max-executions-per-job`); none when undefined. */
  readonly maxExecutionsPerJob: number | undefined;
}

/** The request's query string, with repeated keys and `name[key]` families intact. */
export function searchParams(c: Context): URLSearchParams {
  return new URL(c.req.url).searchParams;
}
