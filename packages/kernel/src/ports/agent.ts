/**
 * The facade a node offers to its HTTP API (and to tests): every operation of Dkron's v1 API,
 * independent of HTTP. The kernel implements it with `createAgent`; `@dkron-core/api` only calls it.
 */

import type { Execution, Job, JsonSchema } from '@dkron-core/plugin-api';
import type { DayStats, ExecutionQuery, JobPage, JobQuery } from './store.js';

/** A cluster member in Dkron's `/v1/members` shape (Serf fields). */
export interface Member {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  /** 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
  readonly Status: number;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** Options of a manual run. */
export interface RunOptions {
  /** Run a `forbid` job even while it runs (dkron-core extension `?force=true`). */
  readonly force?: boolean;
}

/** Result of `POST /v1/restore`: one line per job, `success create <name>` or `fail create <name>`. */
export type RestoreResult = string[];

/** Registered executors and processors with their config schemas. */
export interface PluginCatalog {
  readonly executors: ReadonlyArray<{
    name: string;
    plugin: string;
    description?: string;
    config: JsonSchema;
  }>;
  readonly processors: ReadonlyArray<{
    name: string;
    plugin: string;
    description?: string;
    config: JsonSchema;
  }>;
}

/** Health of the node (`GET /health`). */
export interface AgentHealth {
  readonly healthy: boolean;
  readonly issues: string[];
  /** Present on servers. */
  readonly leader?: boolean;
}

/** Options of {@link AgentApi.saveJob}. */
export interface SaveJobInputOptions {
  /**
   * For input that depends on the stored job (masked secrets kept from it, create or update rights):
   * called with the job as stored (a linearizable read; `undefined` when there is none) and returning the
   * input to validate and save. The save is conditional on the version read; when another write came
   * first, `from` is called again on a fresh read. Without it the input is saved as given.
   */
  readonly from?: (current: Job | undefined) => unknown;
}

/** Options of {@link AgentApi.restore}. */
export interface RestoreOptions {
  /** The input to save for one job of the file (`posted`), given that job as stored (`undefined`: none). */
  readonly from?: (posted: unknown, current: Job | undefined) => unknown;
}

/** What the API calls. Errors are {@link DkronError}s with codes the API maps to statuses. */
export interface AgentApi {
  /** This node's name (`X-Whom`). */
  readonly nodeName: string;
  readonly version: string;

  listJobs(query: JobQuery): Promise<JobPage>;
  getJob(name: string): Promise<Job | undefined>;
  /**
   * Validates (Dkron's rules and messages, plus executor/processor config schemas) and stores a job
   * posted by a client (create or full replace). `VALIDATION` errors carry Dkron's message
   * (without the `Job validation failed: ` prefix), `NOT_FOUND` the missing parent.
   */
  saveJob(input: unknown, options?: SaveJobInputOptions): Promise<Job>;
  deleteJob(name: string): Promise<Job>;
  /** Flips `disabled` (a conditional read-modify-write, retried on a concurrent write); `NOT_FOUND` if missing. */
  toggleJob(name: string): Promise<Job>;
  /**
   * Starts a run now and resolves once it is launched (not when it ends). `NOT_FOUND` for a missing or
   * disabled job (Dkron) or when no node matches the tags.
   */
  runJob(name: string, options?: RunOptions): Promise<Job>;

  /**
   * A job's stored executions (times in UTC) and their count, with the job's `timezone` (`''` when it
   * has none) in which the API shows them. `NOT_FOUND` for an unknown job.
   */
  listExecutions(
    job: string,
    query: ExecutionQuery,
  ): Promise<{ executions: Execution[]; total: number; timezone: string }>;
  getExecution(job: string, id: string): Promise<Execution | undefined>;
  deleteExecutions(job: string): Promise<Job>;
  /**
   * Cancels a running execution (its executor's signal fires; no retry follows) and resolves with the
   * execution once it ended. `NOT_FOUND` for an unknown job or execution, `CONFLICT` when it is not running.
   */
  cancelExecution(job: string, id: string): Promise<Execution>;
  /** Running executions cluster-wide, with all their output so far, oldest first. */
  busy(): Promise<Execution[]>;
  /**
   * Follows one execution: replays its output, then yields chunks until it ends.
   * Ends immediately (after the replay) for a finished execution.
   */
  followExecution(
    job: string,
    id: string,
    signal: AbortSignal,
  ): AsyncIterable<{ type: 'output'; chunk: string } | { type: 'done'; execution: Execution }>;

  stats(days: number): Promise<DayStats[]>;
  /**
   * Imports jobs (parents first). With `from`, each job's input depends on the stored job (masked secrets
   * kept from it): it is saved as a conditional read-modify-write, like {@link SaveJobInputOptions.from}.
   */
  restore(jobs: unknown, options?: RestoreOptions): Promise<RestoreResult>;

  members(): Promise<Member[]>;
  /** The leader, or `undefined` when unknown. */
  leader(): Promise<Member | undefined>;
  isLeader(): boolean;
  /** Leaves the cluster and stops this agent. Returns the remaining peers. */
  leave(): Promise<Member[]>;
  /** Node status for `GET /v1`: the agent, the number of members, this node's tags. */
  info(): {
    agent: { name: string; version: string };
    members: number;
    tags: Record<string, string>;
  };
  health(): Promise<AgentHealth>;
  plugins(): PluginCatalog;
}
