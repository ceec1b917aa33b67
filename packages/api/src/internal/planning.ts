import { type AgentApi, type Member, parseSchedule, type Schedule, selectTargets } from '@dkron-core/kernel';
import { DkronError, type Execution, isDkronError, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import { badRequest } from './errors.js';

/**
 * Schedule views for the UI, computed from a job's stored definition with the kernel's schedule engine
 * (the one copy of Dkron's schedule rules): the next fire times, the upcoming runs of all jobs, and
 * what happened to each slot of the last hours.
 */

/** Upper bound of slots one slot view enumerates (a day of `@every 1s` is 86,400). */
const MAX_ENUMERATED = 200_000;

function parse(job: Pick<Job, 'schedule' | 'timezone' | 'name'>, defaultTimezone: string, anchor?: number) {
  return parseSchedule(job.schedule, {
    timezone: job.timezone,
    defaultTimezone,
    jobName: job.name,
    ...(anchor === undefined ? {} : { anchor }),
  });
}

/** A schedule error as a 400 naming `schedule` or `timezone`. */
export function asFieldError(error: unknown): unknown {
  if (!isDkronError(error, 'SCHEDULE_INVALID', 'VALIDATION')) return error;
  const field = /time zone/.test(error.message) ? 'timezone' : 'schedule';
  return new DkronError('VALIDATION', `${field}: ${error.message}`, { details: { field }, cause: error });
}

/** The stored `next` in ms, or `undefined` for Dkron's zero time or a bad value. */
function storedNext(job: Job): number | undefined {
  if (job.next === ZERO_TIME) return undefined;
  const ms = Date.parse(job.next);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Whether the scheduler fires the job by itself (children run after their parent, `@manually` never). */
function isScheduled(job: Job): boolean {
  return job.parent_job === '' && job.schedule.trim() !== '' && !/^@manually$/i.test(job.schedule.trim());
}

/**
 * A schedule whose `@every` phase matches the stored `next`: the kernel anchors `@every` in the store,
 * so the slots are `next - k·interval`; placing the anchor at or before `before` yields them.
 */
function phased(job: Job, defaultTimezone: string, before: number): Schedule {
  const plain = parse(job, defaultTimezone);
  const next = storedNext(job);
  if (!plain.intervalMs || next === undefined) return plain;
  const steps = Math.max(0, Math.ceil((next - before) / plain.intervalMs)) + 1;
  return parse(job, defaultTimezone, next - steps * plain.intervalMs);
}

/** The next `count` fire times of a stored job: its `next`, then the schedule after it. */
export function upcomingOf(job: Job, defaultTimezone: string, count: number, now: number): Date[] {
  if (!isScheduled(job)) return [];
  const schedule = phased(job, defaultTimezone, now);
  const next = storedNext(job);
  if (next === undefined || next < now - 1000) return schedule.nextN(now, count);
  return [new Date(next), ...schedule.nextN(next, count - 1)];
}

/** One upcoming run of `GET /v1/upcoming`. */
export interface UpcomingRun {
  readonly job: string;
  readonly displayname: string;
  /** RFC 3339 UTC. */
  readonly at: string;
}

/** The runs of enabled, scheduled jobs within `windowMs` of `now`, earliest first, at most `limit`. */
export function upcomingRuns(
  jobs: readonly Job[],
  defaultTimezone: string,
  now: number,
  windowMs: number,
  limit: number,
): UpcomingRun[] {
  const end = now + windowMs;
  const runs: { job: Job; at: number }[] = [];
  for (const job of jobs) {
    if (job.disabled || !isScheduled(job)) continue;
    let times: Date[];
    try {
      times = upcomingOf(job, defaultTimezone, limit, now);
    } catch {
      continue; // a stored schedule the engine refuses has no upcoming runs to show
    }
    for (const t of times) {
      if (t.getTime() > end) break;
      runs.push({ job, at: t.getTime() });
    }
  }
  runs.sort((a, b) => a.at - b.at || a.job.name.localeCompare(b.job.name));
  return runs.slice(0, limit).map(({ job, at }) => ({
    job: job.name,
    displayname: job.displayname,
    at: new Date(at).toISOString().replace('.000Z', 'Z'),
  }));
}

/** What became of one slot. */
export type SlotOutcome =
  /** An execution was launched for it. */
  | 'ran'
  /** `concurrency: forbid` and a run of the job was still going at the slot. */
  | 'skipped_forbid'
  /** Before `starts_at` or after `expires_at`. */
  | 'outside_window'
  /** The job is disabled now (and nothing ran for the slot). */
  | 'disabled'
  /** No alive node matches the job's tags now (and nothing ran for the slot). */
  | 'no_target'
  /** Older than the oldest kept execution: its record may have been trimmed by retention. */
  | 'unknown'
  /** Nothing ran and nothing above explains it: the node was down, the store unavailable or the run too late. */
  | 'missed';

/** One slot of `GET /v1/jobs/{job}/slots`. */
export interface Slot {
  /** The slot, RFC 3339 UTC. */
  readonly at: string;
  readonly outcome: SlotOutcome;
  /** For `ran`: the latest attempt's status and id, and how late the first attempt started. */
  readonly status?: Execution['status'];
  readonly execution?: string;
  readonly lag_ms?: number;
  /** For `skipped_forbid`: the execution that was running. */
  readonly blocked_by?: string;
}

/** The slot view of one job. */
export interface JobSlots {
  readonly job: string;
  readonly from: string;
  readonly to: string;
  /** Slots in the window, oldest first (the latest `limit` when there are more). */
  readonly slots: Slot[];
  /** How many slots the window has in all. */
  readonly total: number;
  /** The job's count of slots the scheduler counted as missed and did not replay. */
  readonly missed_count: number;
  /** The oldest kept execution's start, or `null`: slots before it are `unknown` unless explained. */
  readonly history_from: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function finishedAt(e: Execution): number {
  return e.finished_at === ZERO_TIME ? Number.POSITIVE_INFINITY : Date.parse(e.finished_at);
}

/** Input of {@link classifySlots}. */
export interface SlotInput {
  readonly job: Job;
  /** Every kept execution of the job. */
  readonly executions: readonly Execution[];
  readonly members: readonly Member[];
  readonly defaultTimezone: string;
  /** Window, epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Latest slots returned. */
  readonly limit: number;
}

/** Reads what {@link classifySlots} needs from the agent. */
export async function slotsOf(
  agent: AgentApi,
  job: Job,
  window: Pick<SlotInput, 'defaultTimezone' | 'from' | 'to' | 'limit'>,
): Promise<JobSlots> {
  const [{ executions }, members] = await Promise.all([
    agent.listExecutions(job.name, { sort: 'started_at', order: 'ASC' }),
    agent.members(),
  ]);
  return classifySlots({ job, executions, members, ...window });
}

/** Classifies each slot of `job` in `[from, to]` against its kept executions and the current members. */
export function classifySlots(input: SlotInput): JobSlots {
  const { job, executions, members, defaultTimezone, from, to, limit } = input;
  const times: number[] = [];
  if (isScheduled(job)) {
    const schedule = phased(job, defaultTimezone, from);
    for (let t = schedule.next(from - 1); t && t.getTime() <= to; t = schedule.next(t)) {
      times.push(t.getTime());
      if (times.length >= MAX_ENUMERATED) break;
    }
  }
  const bySlot = new Map<number, Execution[]>();
  for (const e of executions) {
    if (e.scheduled_at === null) continue;
    const slot = Date.parse(e.scheduled_at);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), e]);
  }
  const oldest = executions.reduce<number | undefined>((min, e) => {
    const t = Date.parse(e.started_at);
    return min === undefined || t < min ? t : min;
  }, undefined);
  const candidates = members.map((m) => ({ name: m.Name, tags: { ...m.Tags }, alive: m.Status === 1 }));
  const noTarget = selectTargets(job.tags, candidates, () => 0).length === 0;
  const startsAt = job.starts_at ? Date.parse(job.starts_at) : undefined;
  const expiresAt = job.expires_at ? Date.parse(job.expires_at) : undefined;

  const classify = (at: number): Slot => {
    const ran = bySlot.get(at);
    if (ran && ran.length > 0) {
      const first = ran[0] as Execution;
      const last = ran[ran.length - 1] as Execution;
      return {
        at: iso(at),
        outcome: 'ran',
        status: last.status,
        execution: last.id,
        lag_ms: Math.max(0, Date.parse(first.started_at) - at),
      };
    }
    if (job.concurrency === 'forbid') {
      const blocker = executions.find((e) => Date.parse(e.started_at) < at && finishedAt(e) > at);
      if (blocker) return { at: iso(at), outcome: 'skipped_forbid', blocked_by: blocker.id };
    }
    if ((startsAt !== undefined && at < startsAt) || (expiresAt !== undefined && at > expiresAt)) {
      return { at: iso(at), outcome: 'outside_window' };
    }
    if (job.disabled) return { at: iso(at), outcome: 'disabled' };
    if (noTarget) return { at: iso(at), outcome: 'no_target' };
    if (oldest === undefined || at < oldest) return { at: iso(at), outcome: 'unknown' };
    return { at: iso(at), outcome: 'missed' };
  };

  return {
    job: job.name,
    from: iso(from),
    to: iso(to),
    slots: times.slice(-limit).map(classify),
    total: times.length,
    missed_count: job.missed_count,
    history_from: oldest === undefined ? null : iso(oldest),
  };
}

/** A positive integer query value within bounds, or its default. */
export function boundedInt(
  field: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback: number,
) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw badRequest(
      field,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 32))}`,
    );
  }
  return value;
}
