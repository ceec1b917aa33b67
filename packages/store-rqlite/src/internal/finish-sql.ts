import type { ExecutionCompletion } from '@dkron-core/kernel';
import type { SqlStatement } from '../rqlite-client.js';
import { toTimeKey } from './time-key.js';

/*
 * Closing executions set-based: four statements per batch, whatever its size (three more when it replaces
 * `lost` records).
 *
 * Counting an execution exactly once. An execution row carries `counted`. The statements that bump the
 * job's counters and the day's stats only read executions that have finished and are not counted yet, and
 * the last statement sets `counted = 1`. rqlite runs a request's statements in order inside one
 * transaction, so applying the same completion twice (in one batch, a retry with unknown outcome, or a
 * duplicate report) moves nothing the second time. Counters, last times and stats come from the stored
 * row, i.e. from the completion that closed it.
 *
 * Only the first statement gets the completions with their outputs (?1); the others get the keys alone
 * (?1 = `[[job, id, last], ...]`), so a large output is sent and logged once.
 */

/**
 * Closes the executions of ?1 that still run; a closed execution keeps its first outcome. The unary `+`
 * keeps SQLite from driving the update by the `status` index (every running execution, per completion):
 * the primary key finds each row.
 */
const CLOSE_EXECUTIONS = `UPDATE executions SET status = c.status, success = c.success, finished_at = c.finished,
  output = c.output
FROM (SELECT value->>0 AS job, value->>1 AS id, value->>2 AS status, value->>3 AS success,
  value->>4 AS finished, value->>5 AS output FROM json_each(?1)) c
WHERE executions.job_name = c.job AND executions.id = c.id AND +executions.status = 'running'`;

/** The keys of ?1 as rows: job, id, and `last` (1 on the job's last completion in the batch). */
const KEYS = `SELECT value->>0 AS job, value->>1 AS id, value->>2 AS last FROM json_each(?1)`;

/** Executions of the batch that finished and are not counted yet (`e`), from the keys `c`. */
const UNCOUNTED = `FROM (${KEYS}) c JOIN executions e ON e.job_name = c.job AND e.id = c.id
  WHERE e.counted = 0 AND e.status <> 'running'`;

/**
 * Counters, last times and status in ONE write of each job row (a jobs row carries many indexes).
 * The status comes from one trigger (group): the latest attempt of every node decides; `running` if one
 * runs, `success` if all succeeded, `failed` if none did, else `partially_failed`. Like Dkron, the group
 * is the one of the execution the job's last completion names.
 */
const UPDATE_JOBS = `WITH counts AS (
  SELECT e.job_name AS job, sum(e.success) AS ok, count(*) - sum(e.success) AS bad,
    max(CASE WHEN e.success THEN e.finished_at END) AS last_success,
    max(CASE WHEN e.success THEN NULL ELSE e.finished_at END) AS last_error
  ${UNCOUNTED} GROUP BY e.job_name),
statuses AS (
  SELECT y.job_name AS job, CASE
      WHEN sum(e.status = 'running') > 0 THEN 'running'
      WHEN sum(e.status = 'success') = count(*) THEN 'success'
      WHEN sum(e.status = 'success') = 0 THEN 'failed'
      ELSE 'partially_failed' END AS status
  FROM (${KEYS}) c
  JOIN executions y ON y.job_name = c.job AND y.id = c.id
  JOIN executions e ON e.job_name = y.job_name AND e.grp = y.grp
  WHERE c.last = 1 AND NOT EXISTS (SELECT 1 FROM executions a
    WHERE a.job_name = e.job_name AND a.grp = e.grp AND a.node_name = e.node_name AND a.attempt > e.attempt)
  GROUP BY y.job_name)
UPDATE jobs SET success_count = jobs.success_count + coalesce(u.ok, 0),
  error_count = jobs.error_count + coalesce(u.bad, 0),
  last_success = coalesce(max(coalesce(jobs.last_success, ''), u.last_success), jobs.last_success),
  last_error = coalesce(max(coalesce(jobs.last_error, ''), u.last_error), jobs.last_error),
  status = coalesce(u.status, jobs.status)
FROM (SELECT j.job, k.ok, k.bad, k.last_success, k.last_error, s.status
  FROM (SELECT DISTINCT job FROM (${KEYS})) j
  LEFT JOIN counts k ON k.job = j.job LEFT JOIN statuses s ON s.job = j.job) u
WHERE jobs.name = u.job`;

/** The day of a time key is its first 10 characters (the UTC date). */
const COUNT_DAYS = `INSERT INTO stats (day, success_count, failed_count)
SELECT substr(e.finished_at, 1, 10), sum(e.success), count(*) - sum(e.success) ${UNCOUNTED}
GROUP BY substr(e.finished_at, 1, 10)
ON CONFLICT (day) DO UPDATE SET
  success_count = stats.success_count + excluded.success_count,
  failed_count = stats.failed_count + excluded.failed_count`;

const MARK_COUNTED = `UPDATE executions SET counted = 1 FROM (${KEYS}) c
WHERE executions.job_name = c.job AND executions.id = c.id AND executions.counted = 0
  AND executions.status <> 'running'`;

/*
 * A node's own report of a run recorded `lost` (`replacesLost`): the lost outcome leaves the job's
 * error count and its day's failed count, and the row runs again, uncounted, so that the statements
 * above close and count it with the reported outcome. ?1 = `[[job, id], ...]` of those completions.
 */
const LOST_OF = `FROM (SELECT value->>0 AS job, value->>1 AS id FROM json_each(?1)) c
  JOIN executions e ON e.job_name = c.job AND e.id = c.id WHERE e.status = 'lost' AND e.counted = 1`;

const UNCOUNT_LOST_JOBS = `UPDATE jobs SET error_count = jobs.error_count - u.n
FROM (SELECT e.job_name AS job, count(*) AS n ${LOST_OF} GROUP BY e.job_name) u WHERE jobs.name = u.job`;

const UNCOUNT_LOST_DAYS = `UPDATE stats SET failed_count = stats.failed_count - u.n
FROM (SELECT substr(e.finished_at, 1, 10) AS day, count(*) AS n ${LOST_OF} GROUP BY substr(e.finished_at, 1, 10)) u
WHERE stats.day = u.day`;

const REOPEN_LOST = `UPDATE executions SET status = 'running', success = 0, counted = 0
FROM (SELECT value->>0 AS job, value->>1 AS id FROM json_each(?1)) c
WHERE executions.job_name = c.job AND executions.id = c.id AND executions.status = 'lost'`;

/** The statements that reopen the `lost` records these completions replace (none when none does). */
function reopenLostStatements(completions: readonly ExecutionCompletion[]): SqlStatement[] {
  const replacing = completions.filter((c) => c.replacesLost === true && c.status !== 'lost');
  if (replacing.length === 0) return [];
  const keys = JSON.stringify(replacing.map((c) => [c.jobName, c.executionId]));
  return [
    [UNCOUNT_LOST_JOBS, keys],
    [UNCOUNT_LOST_DAYS, keys],
    [REOPEN_LOST, keys],
  ];
}

/**
 * The four statements of `Store.finishExecutions` (after the ones reopening replaced `lost` records). Within a batch the first completion of an execution
 * wins (as if applied in order); the job's status follows the group of its last completion.
 */
export function finishExecutionStatements(completions: readonly ExecutionCompletion[]): SqlStatement[] {
  const lastOfJob = new Map<string, string>();
  for (const c of completions) lastOfJob.set(c.jobName, c.executionId);
  const first = new Map<string, ExecutionCompletion>();
  for (const c of completions) {
    const key = JSON.stringify([c.jobName, c.executionId]);
    if (!first.has(key)) first.set(key, c);
  }
  const unique = [...first.values()];
  // Positional, like the keys: the batch travels as a JSON string inside rqlite's JSON body.
  const closes = unique.map((c) => [
    c.jobName,
    c.executionId,
    c.status,
    c.status === 'success' ? 1 : 0,
    toTimeKey(c.finishedAt, 'finishedAt'),
    c.output,
  ]);
  const keys = JSON.stringify(
    unique.map((c) => [c.jobName, c.executionId, lastOfJob.get(c.jobName) === c.executionId ? 1 : 0]),
  );
  return [
    ...reopenLostStatements(unique),
    [CLOSE_EXECUTIONS, JSON.stringify(closes)],
    [UPDATE_JOBS, keys],
    [COUNT_DAYS, keys],
    [MARK_COUNTED, keys],
  ];
}
