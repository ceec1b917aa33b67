import { UNRECORDED_LAUNCH_OUTPUT } from '@dkron-core/kernel';
import { DkronError, type Execution, ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlStatement } from '../rqlite-client.js';
import { toTimeKey } from './time-key.js';

/*
 * Writing running executions set-based: a batch is ONE JSON text parameter read with json_each, so a
 * request has a fixed number of statements whatever the batch size.
 */

const ZERO_KEY = toTimeKey(ZERO_TIME, 'finished_at');

/**
 * `INSERT ... SELECT` of the executions of parameter ?1 as rows `x` (columns of the table, plus `slot`: the
 * launch slot in ms when the execution comes from a launch). The caller appends the rest of the `FROM`,
 * a `WHERE` (SQLite needs one before an upsert's `ON CONFLICT`) and the conflict clause.
 * Items are positional arrays (see {@link executionsJson}) and a running execution's zero `finished_at` is
 * null, filled in here: the batch is sent as a JSON string inside rqlite's JSON body, so every byte saved
 * is saved in parsing, the Raft log and its compression.
 */
export const INSERT_EXECUTIONS_ROWS = `INSERT INTO executions (id, job_name, started_at, finished_at, status, success,
  output, node_name, grp, attempt, scheduled_at, counted)
SELECT x.id, x.job_name, x.started_at, x.finished_at, x.status, x.success, x.output, x.node_name, x.grp,
  x.attempt, x.scheduled_at, 0
FROM (SELECT value->>0 AS id, value->>1 AS job_name, value->>2 AS started_at,
  coalesce(value->>3, '${ZERO_KEY}') AS finished_at, value->>4 AS status, value->>5 AS success,
  value->>6 AS output, value->>7 AS node_name, value->>8 AS grp, value->>9 AS attempt,
  value->>10 AS scheduled_at, value->>11 AS slot FROM json_each(?1))`;

/**
 * `Store.startExecutions`: an execution of a job that does not exist is not stored; a repeated id is never
 * reset; the first record of a launch wins: a scheduled first attempt is not stored when its launch (job,
 * group) has an unrecorded-launch record (?2, its output), nor such a record when its launch has any row.
 */
const INSERT_EXECUTIONS = `${INSERT_EXECUTIONS_ROWS} x
WHERE EXISTS (SELECT 1 FROM jobs WHERE name = x.job_name)
  AND NOT (x.scheduled_at IS NOT NULL AND EXISTS (SELECT 1 FROM executions p
    WHERE p.job_name = x.job_name AND p.grp = x.grp AND p.id <> x.id
      AND ((x.status = 'lost' AND x.output = ?2) OR (x.attempt = 1 AND p.status = 'lost' AND p.output = ?2))))
ON CONFLICT (job_name, id) DO NOTHING`;

/** The insert of `executions`, as {@link INSERT_EXECUTIONS} takes it. */
function insertExecutions(executions: readonly Execution[]): SqlStatement {
  return [
    INSERT_EXECUTIONS,
    executionsJson(executions.map((execution) => ({ execution }))),
    UNRECORDED_LAUNCH_OUTPUT,
  ];
}

/**
 * Keeps the newest `?2` executions (by `started_at`, then id) of each job of ?1. One window over the
 * executions of those jobs, not one `NOT IN (... LIMIT)` per job.
 */
const TRIM_EXECUTIONS = `DELETE FROM executions WHERE rowid IN (
  SELECT r FROM (SELECT e.rowid AS r,
      row_number() OVER (PARTITION BY e.job_name ORDER BY e.started_at DESC, e.id DESC) AS n
    FROM executions e WHERE e.job_name IN (SELECT value FROM json_each(?1)))
  WHERE n > ?2)`;

/**
 * A retried batch whose executions already finished must not flip the job back to running. ?1 the batch's
 * `[job, id]` pairs: each row is found by the primary key, never by scanning a job's history.
 */
const MARK_JOBS_RUNNING = `UPDATE jobs SET status = 'running'
WHERE name IN (SELECT e.job_name FROM json_each(?1) k
  JOIN executions e ON e.job_name = k.value->>0 AND e.id = k.value->>1 WHERE +e.status = 'running')`;

/** Refuses a retention that is not a positive integer. */
export function checkRetain(retain: number): void {
  if (!Number.isInteger(retain) || retain < 1) {
    throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${retain}`, {
      details: { field: 'retain' },
    });
  }
}

/** The JSON parameter of {@link INSERT_EXECUTIONS_ROWS}; `slot` is the launch slot (ms) of each, if any. */
export function executionsJson(items: readonly { execution: Execution; slot?: number }[]): string {
  return JSON.stringify(
    items.map(({ execution: e, slot }) => {
      const finished = toTimeKey(e.finished_at || ZERO_TIME, 'finished_at');
      return [
        e.id,
        e.job_name,
        toTimeKey(e.started_at, 'started_at'),
        finished === ZERO_KEY ? null : finished,
        e.status ?? 'running',
        e.success ? 1 : 0,
        e.output ?? '',
        e.node_name ?? '',
        e.group ?? 0,
        e.attempt ?? 1,
        e.scheduled_at ?? null,
        slot ?? null,
      ];
    }),
  );
}

/** The trim of `jobs` to the newest `retain` executions each (nothing when there is no job). */
export function trimExecutionStatements(jobs: readonly string[], retain: number): SqlStatement[] {
  return jobs.length === 0 ? [] : [[TRIM_EXECUTIONS, JSON.stringify(jobs), retain]];
}

/**
 * The statements that store executions as they ended (`Store.recordFinishedExecutions`): the idempotent
 * insert of the finished rows (a row of the same id already there is left to the closing statements that
 * follow) and the lagging trim of `trimJobs`. The caller puts the completion's closing and counting
 * statements between the two, so the trim never sees a row that is not counted yet.
 */
export function recordFinishedStatements(
  executions: readonly Execution[],
  retain: number,
  trimJobs: readonly string[],
): { insert: SqlStatement; trim: SqlStatement[] } {
  checkRetain(retain);
  return {
    insert: insertExecutions(executions),
    trim: trimExecutionStatements(trimJobs, retain),
  };
}

/**
 * The batch of `Store.startExecutions`: the idempotent insert, the exact trim of every job written to the
 * newest `retain` by `started_at`, and `running` on the jobs that have a running execution.
 */
export function startExecutionStatements(
  executions: readonly Execution[],
  retain: number,
  trimJobs?: readonly string[],
): SqlStatement[] {
  checkRetain(retain);
  const written = [...new Set(executions.map((e) => e.job_name))];
  return [
    insertExecutions(executions),
    ...trimExecutionStatements(trimJobs ?? written, retain),
    [MARK_JOBS_RUNNING, JSON.stringify(executions.map((e) => [e.job_name, e.id]))],
  ];
}
