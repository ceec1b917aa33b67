import type { AgentApi } from '@dkron-core/kernel';
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

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The node the API serves; every route calls it and nothing else. */
  readonly agent: AgentApi;
  /** Receives unexpected errors (answered as 500 `internal error`) and failed `runoncreate` runs. */
  readonly logger?: Logger;
  /** Largest accepted request body, in bytes; larger ones get a 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Serves the web UI's built files from `root` under `/ui/`. Default: no UI. */
  readonly ui?: { readonly root: string } | false;
  /** Capabilities the node has beyond {@link AgentApi} (e.g. the job graph). */
  readonly extras?: ApiExtras;
  /**
   * The executions kept per job (the agent's `max-executions-per-job`): a job's execution list never
   * shows more, even while the store's trim lags behind. Default: no limit.
   */
  readonly maxExecutionsPerJob?: number;
}
