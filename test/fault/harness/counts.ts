/**
 * The figures every drill checks and prints: what the schedule asked for, what the jobs' own ledgers saw,
 * what the agent recorded, and the violations (duplicates, overlapping `forbid` runs, storms of late starts).
 */

import { appendFileSync } from 'node:fs';
import type { Execution, Job } from '@dkron-core/plugin-api';
import { type LedgerRun, ledgerPidOf } from './ledger.js';

/** What one drill checked. */
export interface DrillCounts {
  /** Slots the schedules had in the drill's window. */
  slotsExpected: number;
  /** Runs the jobs wrote in their ledgers. */
  runsInLedger: number;
  /** Executions the agent recorded (scheduled ones). */
  executionsRecorded: number;
  /** Sum of the jobs' `missed_count`. */
  missedCounted: number;
  /** Runs beyond the first of one (job, slot), from the ledgers and from the records. */
  duplicates: number;
  /** Ledger runs no execution knows of (ran with no record). */
  unrecordedRuns: number;
  /** Executions still `running` whose run is over. */
  stuckRunning: number;
  /** Most runs of one `forbid` job alive at once (0 when the drill has none). */
  maxConcurrentForbid: number;
  /** Most runs starting more than 1 s after their slot within any 1 s. */
  longestLateBurst: number;
  /** Drill-specific figures. */
  [extra: string]: number;
}

/** One job's inputs to {@link countJobs}. */
export interface JobTruth {
  readonly job: Job;
  readonly runs: readonly LedgerRun[];
  readonly executions: readonly Execution[];
  /** Slots of its schedule in the window (see {@link everySlots}). */
  readonly slotsExpected: number;
}

/** Slots of an `@every <n>s` schedule strictly after `from` and at or before `to` (epoch-aligned phase). */
export function everySlots(intervalMs: number, from: number, to: number, anchor: number): number {
  if (to <= from) return 0;
  const first = anchor + Math.floor((from - anchor) / intervalMs + 1) * intervalMs;
  return first > to ? 0 : Math.floor((to - first) / intervalMs) + 1;
}

const LATE_MS = 1_000;

/**
 * The counts over several jobs, for the slots up to `until` (epoch ms): executions of later slots and
 * the runs tied to them are left out, so that every figure covers the same window.
 */
export function countJobs(jobs: readonly JobTruth[], until: number): DrillCounts {
  let slotsExpected = 0;
  let runsInLedger = 0;
  let executionsRecorded = 0;
  let missedCounted = 0;
  let duplicates = 0;
  let unrecordedRuns = 0;
  let stuckRunning = 0;
  let maxConcurrentForbid = 0;
  const lateStarts: number[] = [];
  for (const { job, runs, executions, slotsExpected: slots } of jobs) {
    slotsExpected += slots;
    missedCounted += job.missed_count;
    const inWindow = (e: Execution) => e.scheduled_at === null || Date.parse(e.scheduled_at) <= until;
    const scheduled = executions.filter((e) => e.scheduled_at !== null && inWindow(e));
    executionsRecorded += scheduled.length;
    const byPid = matchRuns(runs, executions);
    // Records: one first attempt per slot.
    const recordedSlots = new Map<string, number>();
    for (const e of scheduled) {
      if (e.attempt !== 1) continue;
      const key = `${e.scheduled_at}|${e.node_name}`;
      recordedSlots.set(key, (recordedSlots.get(key) ?? 0) + 1);
    }
    let recordedDuplicates = 0;
    for (const n of recordedSlots.values()) recordedDuplicates += n - 1;
    // Ledger: runs tied to a slot through their execution.
    const ledgerSlots = new Map<string, number>();
    let ledgerRuns = 0;
    for (const run of runs) {
      const e = byPid.get(run.pid);
      if (e === undefined) {
        if (run.startedAt > until) continue;
        ledgerRuns++;
        unrecordedRuns++;
        continue;
      }
      if (!inWindow(e)) continue;
      ledgerRuns++;
      if (e.status === 'running' && run.endedAt !== undefined) stuckRunning++;
      if (e.scheduled_at === null) continue;
      const slot = Date.parse(e.scheduled_at);
      ledgerSlots.set(e.scheduled_at, (ledgerSlots.get(e.scheduled_at) ?? 0) + 1);
      if (run.startedAt - slot > LATE_MS) lateStarts.push(run.startedAt);
    }
    runsInLedger += ledgerRuns;
    let ledgerDuplicates = 0;
    for (const n of ledgerSlots.values()) ledgerDuplicates += n - 1;
    duplicates += Math.max(recordedDuplicates, ledgerDuplicates);
    if (job.concurrency === 'forbid') {
      for (const run of runs) maxConcurrentForbid = Math.max(maxConcurrentForbid, run.othersAtStart + 1);
    }
  }
  return {
    slotsExpected,
    runsInLedger,
    executionsRecorded,
    missedCounted,
    duplicates,
    unrecordedRuns,
    stuckRunning,
    maxConcurrentForbid,
    longestLateBurst: densestSecond(lateStarts),
  };
}

/**
 * The execution of each ledger run: by the pid it printed, else (a run still going, or one killed, has
 * printed nothing stored yet) the unmatched execution that started closest before it, within 3 s.
 */
export function matchRuns(
  runs: readonly LedgerRun[],
  executions: readonly Execution[],
): Map<number, Execution> {
  const byPid = new Map<number, Execution>();
  const matched = new Set<Execution>();
  for (const e of executions) {
    const pid = ledgerPidOf(e);
    if (pid !== undefined) {
      byPid.set(pid, e);
      matched.add(e);
    }
  }
  const open = executions
    .filter((e) => !matched.has(e))
    .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  for (const run of runs) {
    if (byPid.has(run.pid)) continue;
    let best: Execution | undefined;
    for (const e of open) {
      const at = Date.parse(e.started_at);
      if (at <= run.startedAt + 50 && at >= run.startedAt - 3_000 && !matched.has(e)) best = e;
    }
    if (best !== undefined) {
      byPid.set(run.pid, best);
      matched.add(best);
    }
  }
  return byPid;
}

/** The most values of `times` (ms) within any window of 1 s. */
export function densestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= 1_000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/**
 * Prints what a drill checked, one line a drill (`[fault] <drill> {...}`), and appends it as JSON to the
 * file named by `FAULT_REPORT` when set.
 */
export function printCounts(drill: string, counts: Record<string, number | string>): void {
  const line = `[fault] ${drill} ${JSON.stringify(counts)}`;
  console.log(line);
  const file = process.env.FAULT_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ drill, ...counts, at: new Date().toISOString() })}\n`);
}
