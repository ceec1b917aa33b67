import type { AccessStore, AgentApi } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';

/** The dependency graph around one job (`GET /v1/jobs/{job}/graph`). */
export interface JobGraph {
  readonly job: string;
  /** Parents up to the root, nearest first. */
  readonly ancestors: string[];
  /** Children, grandchildren, …, breadth first. */
  readonly descendants: string[];
  /** `[parent, child]` pairs of the whole graph around the job. */
  readonly edges: [string, string][];
}

/** Optional capabilities beyond {@link AgentApi}; each one's routes exist only when it is given. */
export interface ApiExtras {
  /** Serves `GET /v1/jobs/{job}/graph`. Rejects with `NOT_FOUND` for an unknown job. */
  jobGraph?(name: string): Promise<JobGraph>;
  /**
   * Serves `GET /metrics` (Dkron's `--enable-prometheus`): resolves to the Prometheus text exposition
   * and its content type.
   */
  metrics?(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** Serves `GET /debug/vars` (Dkron's expvar dump): a JSON object of process and scheduler facts. */
  debugVars?(): Promise<Record<string, unknown>>;
}

/** Access control and the audit log of an API (see {@link ApiOptions.access}). */
export interface ApiAccess {
  /** Where tokens, policies and audit entries live. */
  readonly store: AccessStore;
  /**
   * ACLs on (Dkron Pro's `acl.enabled`): every route but `/health`, the UI's files and the bootstrap
   * needs `Authorization: Bearer <secret>` of a token whose policies allow it. Default false: everyone
   * may do everything, and the audit log names them `anonymous`.
   */
  readonly aclEnabled?: boolean;
  /** How long a resolved token is reused before it is read again (other nodes' revocations). Default 5000. */
  readonly tokenCacheTtlMs?: number;
  /** Epoch ms, for token and audit times; default `Date.now`. */
  readonly now?: () => number;
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The node the API serves; every route calls it and nothing else. */
  readonly agent: AgentApi;
  /** Receives unexpected errors (answered as 500 `internal error`) and failed `runoncreate` runs. */
  readonly logger?: Logger;
  /** Largest accepted request body, in bytes; larger ones get a 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /**
   * Serves the web UI's built files from `root` under `/ui/`. Default: no UI. `basePath` is the prefix
   * a reverse proxy publishes the server under (see {@link ApiOptions.basePath}).
   */
  readonly ui?: { readonly root: string } | false;
  /**
   * Path prefix of a reverse proxy (`/dkron`): requests under it are served as if it were absent (a
   * proxy that does not strip it works too) and redirects point below it. A proxy's
   * `X-Forwarded-Prefix` header wins for redirects. Default none.
   */
  readonly basePath?: string;
  /** Zone of jobs without `timezone`, for the schedule views (the agent's `--default-timezone`). Default UTC. */
  readonly defaultTimezone?: string;
  /** Capabilities the node has beyond {@link AgentApi} (e.g. the job graph). */
  readonly extras?: ApiExtras;
  /**
   * Origins (`https://ui.example`, or `*` for any) that get CORS headers and may send
   * state-changing requests from a browser. Default: none, the UI is served same-origin.
   */
  readonly corsAllowedOrigins?: readonly string[];
  /** Tokens, policies and the audit log. Default: none (no ACLs, no audit log, `/v1/acl` answers 404). */
  readonly access?: ApiAccess;
  /**
   * The executions kept per job (the agent's `max-executions-per-job`): a job's execution list never
   * shows more, even while the store's trim lags behind. Default: no limit.
   */
  readonly maxExecutionsPerJob?: number;
}
