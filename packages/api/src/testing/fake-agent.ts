/**
 * An in-memory AgentApi for the API tests. It is not the kernel: it keeps just enough of Dkron's
 * rules to throw the DkronErrors the real agent throws (validation with `details.field`, missing
 * parent, delete with children, disabled run) so that the HTTP mapping is tested honestly.
 */

import type {
  AgentApi,
  AgentHealth,
  DayStats,
  ExecutionQuery,
  JobPage,
  JobQuery,
  Member,
  PluginCatalog,
  RestoreOptions,
  RestoreResult,
  RunOptions,
  SaveJobInputOptions,
} from '@dkron-core/kernel';
import { toJob } from '@dkron-core/kernel';
import { DkronError, type Execution, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { validateJobInput } from './fake-validation.js';

type FollowEvent = { type: 'output'; chunk: string } | { type: 'done'; execution: Execution };

/** A job with Dkron's defaults, for seeding. */
export function makeJob(fields: Partial<Job> & { name: string }): Job {
  return {
    ...toJob({}),
    id: fields.name,
    schedule: '@every 1m',
    executor: 'shell',
    executor_config: { command: 'true' },
    ...fields,
  };
}

/** An execution, for seeding. */
export function makeExecution(fields: Partial<Execution> & { job_name: string; id: string }): Execution {
  return {
    started_at: '2024-01-01T00:00:00Z',
    finished_at: '2024-01-01T00:00:01Z',
    success: true,
    output: '',
    node_name: 'node-a',
    group: 1,
    attempt: 1,
    status: 'success',
    scheduled_at: null,
    ...fields,
  };
}

const SELF: Member = {
  Name: 'node-a',
  Addr: '127.0.0.1',
  Port: 8946,
  Tags: { role: 'dkron', dc: 'dc1' },
  Status: 1,
  ProtocolMin: 1,
  ProtocolMax: 5,
  ProtocolCur: 2,
  DelegateMin: 2,
  DelegateMax: 5,
  DelegateCur: 4,
};

const CATALOG: PluginCatalog = {
  executors: [
    {
      name: 'shell',
      plugin: '@dkron-core/executor-shell',
      config: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    },
    { name: 'http', plugin: '@dkron-core/executor-http', config: { type: 'object' } },
  ],
  processors: [{ name: 'log', plugin: '@dkron-core/processor-log', config: { type: 'object' } }],
};

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function slice<T>(items: T[], start = 0, end = items.length): T[] {
  return items.slice(start, Math.min(end, items.length));
}

/** The fake. Public fields are the state tests seed and inspect. */
export class FakeAgent implements AgentApi {
  readonly nodeName = 'node-a';
  readonly version = '0.0.0-test';
  readonly jobs = new Map<string, Job>();
  readonly executions = new Map<string, Execution[]>();
  /** Names of the jobs `runJob` launched, in order. */
  readonly runs: string[] = [];
  /** Set once `leave` was called. */
  left = false;
  /** The last queries the API passed, to check its parsing. */
  lastJobQuery: JobQuery | undefined;
  lastExecutionQuery: ExecutionQuery | undefined;
  lastStatsDays: number | undefined;
  leaderKnown = true;
  leading = true;
  healthIssues: string[] = [];
  /** Set to make every call fail as a broken store would. */
  failWith: Error | undefined;
  private readonly followers = new Map<string, Set<(event: FollowEvent) => void>>();

  /** Stores a job as is (no validation), for seeding. */
  seedJob(fields: Partial<Job> & { name: string }): Job {
    const job = makeJob(fields);
    this.jobs.set(job.name, job);
    return job;
  }

  /** Stores an execution as is, for seeding. */
  seedExecution(fields: Partial<Execution> & { job_name: string; id: string }): Execution {
    const execution = makeExecution(fields);
    this.executions.set(execution.job_name, [...(this.executions.get(execution.job_name) ?? []), execution]);
    return execution;
  }

  /** Everything stored, serialized, to prove that a rejected request changed nothing. */
  snapshot(): string {
    return JSON.stringify({ jobs: [...this.jobs.entries()], executions: [...this.executions.entries()] });
  }

  /** Appends output to a running execution and tells its followers. */
  emitOutput(job: string, id: string, chunk: string): void {
    const execution = this.findExecution(job, id);
    this.replaceExecution({ ...execution, output: execution.output + chunk });
    for (const listener of this.followers.get(id) ?? []) listener({ type: 'output', chunk });
  }

  /** Finishes a running execution and tells its followers. */
  finishExecution(job: string, id: string, success: boolean): Execution {
    const execution = this.findExecution(job, id);
    const done: Execution = {
      ...execution,
      success,
      status: success ? 'success' : 'failed',
      finished_at: '2024-01-01T00:01:00Z',
    };
    this.replaceExecution(done);
    for (const listener of this.followers.get(id) ?? []) listener({ type: 'done', execution: done });
    return done;
  }

  /** How many clients follow an execution now. */
  followerCount(id: string): number {
    return this.followers.get(id)?.size ?? 0;
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  private findExecution(job: string, id: string): Execution {
    const execution = this.executions.get(job)?.find((e) => e.id === id);
    if (!execution) throw new DkronError('NOT_FOUND', `execution ${id} not found`);
    return execution;
  }

  private replaceExecution(execution: Execution): void {
    const list = this.executions.get(execution.job_name) ?? [];
    this.executions.set(
      execution.job_name,
      list.map((e) => (e.id === execution.id ? execution : e)),
    );
  }

  private requireJob(name: string): Job {
    const job = this.jobs.get(name);
    if (!job) throw new DkronError('NOT_FOUND', `job ${name} not found`, { details: { job: name } });
    return job;
  }

  private withChildren(job: Job): Job {
    const children = [...this.jobs.values()].filter((j) => j.parent_job === job.name).map((j) => j.name);
    return { ...job, dependent_jobs: children.length > 0 ? children : null };
  }

  async listJobs(query: JobQuery): Promise<JobPage> {
    this.check();
    this.lastJobQuery = query;
    const matching = [...this.jobs.values()]
      .map((job) => this.withChildren(job))
      .filter(
        (job) =>
          (!query.q || job.name.includes(query.q) || job.displayname.includes(query.q)) &&
          (query.status === undefined || job.status === query.status) &&
          (query.disabled === undefined || job.disabled === query.disabled) &&
          (query.executor === undefined || job.executor === query.executor) &&
          Object.entries(query.metadata ?? {}).every(([k, v]) => job.metadata?.[k] === v),
      );
    const sort = query.sort ?? 'name';
    matching.sort((a, b) => compare(a[sort], b[sort]) * (query.order === 'DESC' ? -1 : 1));
    return { jobs: slice(matching, query.start, query.end), total: matching.length };
  }

  async getJob(name: string): Promise<Job | undefined> {
    this.check();
    const job = this.jobs.get(name);
    return job && this.withChildren(job);
  }

  async saveJob(posted: unknown, options?: SaveJobInputOptions): Promise<Job> {
    this.check();
    // One thread and no await before the write: nothing can change the job between `from` and the save.
    const name = (posted as { name?: unknown } | null)?.name;
    const current = typeof name === 'string' ? this.jobs.get(name) : undefined;
    const input =
      options?.from && typeof name === 'string'
        ? options.from(current && this.withChildren(current))
        : posted;
    const fields = validateJobInput(
      input,
      CATALOG.executors.map((e) => e.name),
    );
    if (fields.parent_job && !this.jobs.has(fields.parent_job)) {
      throw new DkronError('NOT_FOUND', 'specified parent job not found', {
        details: { field: 'parent_job' },
      });
    }
    const stored = this.jobs.get(fields.name);
    const job = makeJob({
      ...fields,
      success_count: stored?.success_count ?? 0,
      error_count: stored?.error_count ?? 0,
      last_success: stored?.last_success ?? null,
      last_error: stored?.last_error ?? null,
      status: stored?.status ?? '',
      missed_count: stored?.missed_count ?? 0,
    });
    this.jobs.set(job.name, job);
    return this.withChildren(job);
  }

  async deleteJob(name: string): Promise<Job> {
    this.check();
    const job = this.withChildren(this.requireJob(name));
    if (job.dependent_jobs) {
      throw new DkronError(
        'CONFLICT',
        'store: could not delete job with dependent jobs, delete children first',
      );
    }
    this.jobs.delete(name);
    this.executions.delete(name);
    return job;
  }

  async toggleJob(name: string): Promise<Job> {
    this.check();
    const job = { ...this.requireJob(name) };
    const toggled = { ...job, disabled: !job.disabled };
    this.jobs.set(name, toggled);
    return this.withChildren(toggled);
  }

  async runJob(name: string, _options?: RunOptions): Promise<Job> {
    this.check();
    const job = this.requireJob(name);
    if (job.disabled) throw new DkronError('NOT_FOUND', `job ${name} is disabled`);
    this.runs.push(name);
    const started = 1_700_000_000_000_000_000 + this.runs.length;
    this.seedExecution({
      job_name: name,
      id: `${started}-${this.nodeName}`,
      finished_at: ZERO_TIME,
      success: false,
      status: 'running',
      group: started,
    });
    return this.withChildren(job);
  }

  async listExecutions(
    job: string,
    query: ExecutionQuery,
  ): Promise<{ executions: Execution[]; total: number; timezone: string }> {
    this.check();
    const { timezone } = this.requireJob(job);
    this.lastExecutionQuery = query;
    const sort = query.sort ?? 'started_at';
    const sorted = [...(this.executions.get(job) ?? [])].sort(
      (a, b) => compare(a[sort], b[sort]) * (query.order === 'ASC' ? 1 : -1),
    );
    const limit = query.outputSizeLimit;
    const executions = slice(sorted, query.start, query.end).map((e) =>
      limit === undefined
        ? e
        : {
            ...e,
            output: e.output.length > limit ? e.output.slice(e.output.length - limit) : e.output,
            output_truncated: e.output.length > limit,
          },
    );
    return { executions, total: sorted.length, timezone };
  }

  async getExecution(job: string, id: string): Promise<Execution | undefined> {
    this.check();
    return this.executions.get(job)?.find((e) => e.id === id);
  }

  async deleteExecutions(job: string): Promise<Job> {
    this.check();
    const reset = {
      ...this.requireJob(job),
      success_count: 0,
      error_count: 0,
      last_success: null,
      last_error: null,
    };
    this.jobs.set(job, reset);
    this.executions.delete(job);
    return this.withChildren(reset);
  }

  async cancelExecution(job: string, id: string): Promise<Execution> {
    this.check();
    this.requireJob(job);
    const execution = this.findExecution(job, id);
    if (execution.status !== 'running') {
      throw new DkronError('CONFLICT', `execution ${id} of job ${job} is not running (${execution.status})`);
    }
    const done: Execution = { ...execution, status: 'cancelled', finished_at: '2024-01-01T00:01:00Z' };
    this.replaceExecution(done);
    for (const listener of this.followers.get(id) ?? []) listener({ type: 'done', execution: done });
    return done;
  }

  async busy(): Promise<Execution[]> {
    this.check();
    return [...this.executions.values()].flat().filter((e) => e.status === 'running');
  }

  async *followExecution(job: string, id: string, signal: AbortSignal): AsyncIterable<FollowEvent> {
    const execution = this.findExecution(job, id);
    if (execution.output) yield { type: 'output', chunk: execution.output };
    if (execution.status !== 'running') {
      yield { type: 'done', execution };
      return;
    }
    const queue: FollowEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (event: FollowEvent) => {
      queue.push(event);
      wake?.();
    };
    const onAbort = () => wake?.();
    const listeners = this.followers.get(id) ?? new Set();
    this.followers.set(id, listeners.add(listener));
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const event = queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        yield event;
        if (event.type === 'done') return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      listeners.delete(listener);
    }
  }

  async stats(days: number): Promise<DayStats[]> {
    this.check();
    this.lastStatsDays = days;
    const today = Date.UTC(2024, 0, 31);
    return Array.from({ length: days }, (_, i) => ({
      date: new Date(today - (days - 1 - i) * 86_400_000).toISOString().replace('.000Z', 'Z'),
      success_count: 0,
      failed_count: 0,
    }));
  }

  async restore(jobs: unknown, options?: RestoreOptions): Promise<RestoreResult> {
    this.check();
    if (!Array.isArray(jobs)) throw new DkronError('VALIDATION', 'restore expects an array of jobs');
    const named = jobs.map((job, i) => {
      const name = (job as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') {
        throw new DkronError('VALIDATION', `job ${i} has no name`, { details: { field: `[${i}].name` } });
      }
      return { name, job: job as { parent_job?: unknown } };
    });
    // Parents first, as Dkron walks its job tree.
    const ordered = [...named.filter((j) => !j.job.parent_job), ...named.filter((j) => j.job.parent_job)];
    const results: string[] = [];
    for (const { name, job } of ordered) {
      try {
        const from = options?.from;
        await this.saveJob(job, from ? { from: (current) => from(job, current) } : undefined);
        results.push(`success create ${name}`);
      } catch {
        results.push(`fail create ${name}`);
      }
    }
    return results;
  }

  async members(): Promise<Member[]> {
    this.check();
    return [SELF, { ...SELF, Name: 'node-b', Addr: '127.0.0.2', Status: 4 }];
  }

  async leader(): Promise<Member | undefined> {
    this.check();
    return this.leaderKnown ? SELF : undefined;
  }

  isLeader(): boolean {
    return this.leading;
  }

  async leave(): Promise<Member[]> {
    this.check();
    this.left = true;
    return [];
  }

  info() {
    return {
      agent: { name: this.nodeName, version: this.version },
      members: 2,
      tags: { role: 'dkron' },
    };
  }

  async health(): Promise<AgentHealth> {
    return { healthy: this.healthIssues.length === 0, issues: this.healthIssues, leader: this.leading };
  }

  plugins(): PluginCatalog {
    return CATALOG;
  }
}
