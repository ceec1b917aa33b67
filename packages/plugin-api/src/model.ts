/**
 * The job and execution as plugins (and API clients) see them: Dkron's JSON shapes, field for field,
 * plus dkron-core's documented extensions.
 *
 * @packageDocumentation
 */

/** A string map as Dkron stores it (`tags`, `metadata`, `executor_config`, processor configs). */
export type StringMap = Record<string, string>;

/**
 * Overlap policy of a job.
 *
 * - `allow`: runs may overlap (Dkron's default).
 * - `forbid`: a run is skipped while another run of the job is in progress, cluster-wide.
 * - `replace`: the running execution is cancelled, then the new one starts (dkron-core extension).
 * - `''`: accepted for compatibility with Dkron, behaves like `allow`.
 */
export type ConcurrencyPolicy = 'allow' | 'forbid' | 'replace' | '';

/** Computed job status: `''` never ran; otherwise the outcome of the last trigger (`running` while one runs). */
export type JobStatus = '' | 'success' | 'failed' | 'partially_failed' | 'running';

/** Which outcomes send a per-job notification. */
export type NotifyOn = 'failure' | 'success' | 'always';

/** Per-job notification rule (dkron-core extension; Dkron only has global notifications). */
export interface JobNotify {
  /** Outcomes that notify. Default `failure`. */
  readonly on?: NotifyOn;
  /** URL that receives a JSON `POST` with the job name, execution and output. */
  readonly webhook?: string;
  /** One address or several. */
  readonly email?: string | readonly string[];
}

/**
 * A job, as served by `GET /v1/jobs/{name}` and as given to plugins.
 *
 * Times are RFC 3339 strings; nullable times are `null` when unset. `next` is
 * `0001-01-01T00:00:00Z` when the job will not fire (Dkron's zero time).
 */
export interface Job {
  /** Always equal to `name` (react-admin needs `id`). */
  readonly id: string;
  /** Unique key: Unicode lowercase letters, ASCII digits, `_` and `-`. */
  readonly name: string;
  readonly displayname: string;
  /** IANA zone the schedule is evaluated in; `''` = the server's default zone. */
  readonly timezone: string;
  /** Schedule expression (cron with seconds, descriptors, `@every`, `@at`, `@after`, `@manually`). */
  readonly schedule: string;
  readonly owner: string;
  readonly owner_email: string;
  readonly success_count: number;
  readonly error_count: number;
  readonly last_success: string | null;
  readonly last_error: string | null;
  readonly disabled: boolean;
  /** Target-node selector: `key: value` or `key: value:count`. `null` = every alive node. */
  readonly tags: StringMap | null;
  /** Free labels, filterable with `GET /v1/jobs?metadata[k]=v`. */
  readonly metadata: StringMap | null;
  /** Extra attempts after a failed execution. */
  readonly retries: number;
  /** Children, maintained by the server. */
  readonly dependent_jobs: readonly string[] | null;
  /** Parent job; a child runs after its parent's trigger succeeded. */
  readonly parent_job: string;
  /**
   * Processor name → its config, as stored (Dkron sends every value as a string; JSON clients may send
   * `true` or numbers, which the processor's config schema converts, as for `executor_config`).
   */
  readonly processors: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly concurrency: ConcurrencyPolicy;
  /** Executor plugin name, e.g. `shell`. */
  readonly executor: string;
  /** Executor config as stored (Dkron sends every value as a string). */
  readonly executor_config: Readonly<Record<string, unknown>> | null;
  readonly status: JobStatus;
  /** Next scheduled fire time. */
  readonly next: string;
  /** Delete the job after a successful trigger. */
  readonly ephemeral: boolean;
  readonly starts_at: string | null;
  readonly expires_at: string | null;
  /** dkron-core: how late a missed slot may still run once (Go duration, default `60s`, `0` off). */
  readonly catchup_window: string;
  /** dkron-core: delay before the first retry (Go duration); `''` = Dkron's formula. Doubles per attempt. */
  readonly retry_backoff: string;
  /** dkron-core: cap of the retry delay (Go duration); `''` = no cap beyond 1h. */
  readonly retry_backoff_max: string;
  /** dkron-core: per-job notification rule, or `null`. */
  readonly notify: JobNotify | null;
  /** dkron-core: slots that were missed and not replayed. */
  readonly missed_count: number;
}

/** Outcome state of an execution (dkron-core; Dkron only has the `success` boolean). */
export type ExecutionStatus = 'running' | 'success' | 'failed' | 'lost' | 'cancelled';

/**
 * One run of a job on one node, as served by `GET /v1/jobs/{name}/executions`.
 *
 * `id` is `<started_at in Unix nanoseconds>-<node_name>` as in Dkron. `finished_at` is
 * `0001-01-01T00:00:00Z` while running.
 */
export interface Execution {
  readonly id: string;
  readonly job_name: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly success: boolean;
  readonly output: string;
  readonly node_name: string;
  /** Trigger id (ns timestamp) shared by every node and attempt of one trigger. */
  readonly group: number;
  /** 1 for the first try, incremented on retries. */
  readonly attempt: number;
  /** dkron-core: state of the execution. */
  readonly status: ExecutionStatus;
  /** dkron-core: the slot this run was launched for (RFC 3339), or `null` for manual runs. */
  readonly scheduled_at: string | null;
  /** Set in list responses when `output` was cut to `output_size_limit`. */
  readonly output_truncated?: boolean;
}

/** Dkron's zero time, used for unset `next` and `finished_at`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** `catchup_window` of a job that does not set one: a slot missed by less than this still runs. */
export const DEFAULT_CATCHUP_WINDOW = '60s';

/**
 * A job named `name` with every other field at its default: Dkron's (`concurrency: 'allow'`, empty
 * strings, `processors: {}`, null maps and times, zero counters, `next` = {@link ZERO_TIME}) and
 * dkron-core's (`catchup_window` {@link DEFAULT_CATCHUP_WINDOW}, no backoff, no notify). The one
 * place these defaults live: the server binds posted jobs onto it, tests build fixtures from it.
 */
export function defaultJob(name: string): Job {
  return {
    id: name,
    name,
    displayname: '',
    timezone: '',
    schedule: '',
    owner: '',
    owner_email: '',
    success_count: 0,
    error_count: 0,
    last_success: null,
    last_error: null,
    disabled: false,
    tags: null,
    metadata: null,
    retries: 0,
    dependent_jobs: null,
    parent_job: '',
    processors: {},
    concurrency: 'allow',
    executor: '',
    executor_config: {},
    status: '',
    next: ZERO_TIME,
    ephemeral: false,
    starts_at: null,
    expires_at: null,
    catchup_window: DEFAULT_CATCHUP_WINDOW,
    retry_backoff: '',
    retry_backoff_max: '',
    notify: null,
    missed_count: 0,
  };
}
