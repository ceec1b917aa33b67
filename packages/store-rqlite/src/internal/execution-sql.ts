import type { ExecutionCompletion, ExecutionQuery, ExecutionSortField } from '@dkron-core/kernel';
import { DkronError, type Execution, type ExecutionStatus, ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlRow, SqlStatement } from '../rqlite-client.js';
import { sliceBounds } from './job-query.js';
import { fromTimeKey, toTimeKey, utcDayOf } from './time-key.js';

/*
 * Counting an execution exactly once. An execution row carries `counted`. The statements that bump the
 * job's counters and the day's stats are guarded by "this execution has finished and is not counted yet",
 * and the last statement sets `counted = 1`. rqlite runs a request's statements in order inside one
 * transaction, so applying the same completion twice (a retry with unknown outcome, or a duplicate report)
 * moves nothing the second time.
 */

const NOT_COUNTED =
  "EXISTS (SELECT 1 FROM executions x WHERE x.job_name = ? AND x.id = ? AND x.counted = 0 AND x.status <> 'running')";

const COUNT_SUCCESS = `UPDATE jobs SET success_count = success_count + 1,
  last_success = max(coalesce(last_success, ''), ?)
WHERE name = ? AND ${NOT_COUNTED}`;

const COUNT_FAILURE = `UPDATE jobs SET error_count = error_count + 1,
  last_error = max(coalesce(last_error, ''), ?)
WHERE name = ? AND ${NOT_COUNTED}`;

const COUNT_DAY = `INSERT INTO stats (day, success_count, failed_count)
SELECT ?, ?, ? WHERE ${NOT_COUNTED}
ON CONFLICT (day) DO UPDATE SET
  success_count = stats.success_count + excluded.success_count,
  failed_count = stats.failed_count + excluded.failed_count`;

const MARK_COUNTED =
  "UPDATE executions SET counted = 1 WHERE job_name = ? AND id = ? AND status <> 'running'";

/**
 * The job's status from one trigger (group): the latest attempt of every node decides; `running` if one
 * runs, `success` if all succeeded, `failed` if none did, else `partially_failed`. Like Dkron, the group is
 * the one of the execution just closed (parameters: that execution's id, then the job).
 */
const RECOMPUTE_STATUS = `UPDATE jobs SET status = coalesce((
  SELECT CASE
    WHEN count(*) = 0 THEN NULL
    WHEN sum(e.status = 'running') > 0 THEN 'running'
    WHEN sum(e.status = 'success') = count(*) THEN 'success'
    WHEN sum(e.status = 'success') = 0 THEN 'failed'
    ELSE 'partially_failed' END
  FROM executions e
  WHERE e.job_name = jobs.name
    AND e.grp = (SELECT y.grp FROM executions y WHERE y.job_name = jobs.name AND y.id = ?)
    AND e.attempt = (SELECT max(a.attempt) FROM executions a
      WHERE a.job_name = e.job_name AND a.grp = e.grp AND a.node_name = e.node_name)
), status) WHERE name = ?`;

const INSERT_EXECUTION = `INSERT INTO executions (id, job_name, started_at, finished_at, status, success, output,
  node_name, grp, attempt, scheduled_at, counted)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0 WHERE EXISTS (SELECT 1 FROM jobs WHERE name = ?)
ON CONFLICT (job_name, id) DO NOTHING`;

const TRIM_EXECUTIONS = `DELETE FROM executions WHERE job_name = ? AND id NOT IN (
  SELECT id FROM executions WHERE job_name = ? ORDER BY started_at DESC, id DESC LIMIT ?)`;

const MARK_JOB_RUNNING = `UPDATE jobs SET status = 'running'
WHERE name = ? AND EXISTS (SELECT 1 FROM executions WHERE job_name = ? AND status = 'running')`;

const CLOSE_EXECUTION = `UPDATE executions SET status = ?, success = ?, finished_at = ?, output = ?
WHERE id = ? AND job_name = ? AND status = 'running'`;

/**
 * The batch of `Store.startExecutions`: idempotent inserts (an execution that already moved on is never
 * reset), then one trim per job to the newest `retain` by `started_at`.
 */
export function startExecutionStatements(executions: readonly Execution[], retain: number): SqlStatement[] {
  if (!Number.isInteger(retain) || retain < 1) {
    throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${retain}`, {
      details: { field: 'retain' },
    });
  }
  const statements: SqlStatement[] = executions.map((e) => [
    INSERT_EXECUTION,
    e.id,
    e.job_name,
    toTimeKey(e.started_at, 'started_at'),
    toTimeKey(e.finished_at || ZERO_TIME, 'finished_at'),
    e.status ?? 'running',
    e.success ? 1 : 0,
    e.output ?? '',
    e.node_name ?? '',
    e.group ?? 0,
    e.attempt ?? 1,
    e.scheduled_at ?? null,
    e.job_name,
  ]);
  for (const job of new Set(executions.map((e) => e.job_name))) {
    statements.push([TRIM_EXECUTIONS, job, job, retain]);
    // A retried batch whose executions already finished must not flip the job back to running.
    statements.push([MARK_JOB_RUNNING, job, job]);
  }
  return statements;
}

/**
 * The batch of `Store.finishExecutions`: per completion, close the execution if it is running, then the
 * guarded counting statements (see the module comment).
 */
export function finishExecutionStatements(completions: readonly ExecutionCompletion[]): SqlStatement[] {
  return completions.flatMap((c): SqlStatement[] => {
    const success = c.status === 'success';
    const key = toTimeKey(c.finishedAt, 'finishedAt');
    const day = utcDayOf(c.finishedAt, 'finishedAt');
    return [
      [CLOSE_EXECUTION, c.status, success ? 1 : 0, key, c.output, c.executionId, c.jobName],
      [success ? COUNT_SUCCESS : COUNT_FAILURE, key, c.jobName, c.jobName, c.executionId],
      [COUNT_DAY, day, success ? 1 : 0, success ? 0 : 1, c.jobName, c.executionId],
      [RECOMPUTE_STATUS, c.executionId, c.jobName],
      [MARK_COUNTED, c.jobName, c.executionId],
    ];
  });
}

const EXECUTION_COLUMNS =
  'id, job_name, started_at, finished_at, status, success, node_name, grp, attempt, scheduled_at';

const EXECUTION_SORT_COLUMNS: Readonly<Record<ExecutionSortField, string>> = {
  started_at: 'started_at',
  finished_at: 'finished_at',
  attempt: 'attempt',
};

/** The byte limit of outputs in a list, or -1 for none (undefined, negative or not a number). */
export function outputLimit(limit: number | undefined): number {
  return limit === undefined || !Number.isFinite(limit) || limit < 0 ? -1 : Math.floor(limit);
}

/**
 * The page and count statements of a job's executions. With `outputSizeLimit`, an output longer than the
 * limit comes back as the hex of its last N bytes (`output_tail`) so the cut is exact in bytes and
 * the full output never leaves the database.
 */
export function listExecutionsStatements(job: string, query: ExecutionQuery): [SqlStatement, SqlStatement] {
  const sort = query.sort ?? 'started_at';
  const column = Object.hasOwn(EXECUTION_SORT_COLUMNS, sort) ? EXECUTION_SORT_COLUMNS[sort] : undefined;
  if (column === undefined) {
    throw new DkronError('VALIDATION', `cannot sort executions by ${JSON.stringify(sort)}`, {
      details: { field: '_sort' },
    });
  }
  const order = query.order === 'ASC' ? 'ASC' : 'DESC';
  // A negative limit means none (Dkron's default of -1).
  const limit = outputLimit(query.outputSizeLimit);
  const [rows, offset] = sliceBounds(query.start, query.end);
  const cut = '(? >= 0 AND length(CAST(output AS BLOB)) > ?)';
  return [
    [
      `SELECT ${EXECUTION_COLUMNS},
        CASE WHEN ${cut} THEN NULL ELSE output END AS output,
        CASE WHEN ${cut} THEN CASE WHEN ? = 0 THEN '' ELSE hex(substr(CAST(output AS BLOB), -?)) END END AS output_tail
      FROM executions WHERE job_name = ? ORDER BY ${column} ${order}, id ${order} LIMIT ? OFFSET ?`,
      limit,
      limit,
      limit,
      limit,
      limit,
      limit,
      job,
      rows,
      offset,
    ],
    ['SELECT count(*) AS total FROM executions WHERE job_name = ?', job],
  ];
}

/** One execution with its full output. */
export function getExecutionStatement(job: string, id: string): SqlStatement {
  return [`SELECT ${EXECUTION_COLUMNS}, output FROM executions WHERE job_name = ? AND id = ?`, job, id];
}

/** Running executions, of one job or all. */
export function runningExecutionsStatement(job?: string): SqlStatement {
  const sql = `SELECT ${EXECUTION_COLUMNS}, output FROM executions WHERE status = 'running'`;
  return job === undefined
    ? [`${sql} ORDER BY started_at, id`]
    : [`${sql} AND job_name = ? ORDER BY started_at, id`, job];
}

/** The tail bytes given as hex, from the first whole UTF-8 character on. */
function decodeTail(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  let start = 0;
  // Skip continuation bytes (10xxxxxx) left over from a character cut in the middle.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

/** An execution read with the columns above; `truncation` adds `output_truncated` (list responses). */
export function executionFromRow(row: SqlRow, truncation = false): Execution {
  const tail = row.output_tail;
  const execution: Execution = {
    id: String(row.id),
    job_name: String(row.job_name),
    started_at: fromTimeKey(String(row.started_at)),
    finished_at: fromTimeKey(String(row.finished_at)),
    success: row.success === 1,
    output: typeof tail === 'string' ? decodeTail(tail) : String(row.output ?? ''),
    node_name: String(row.node_name ?? ''),
    group: Number(row.grp ?? 0),
    attempt: Number(row.attempt ?? 1),
    status: String(row.status) as ExecutionStatus,
    scheduled_at: typeof row.scheduled_at === 'string' ? row.scheduled_at : null,
  };
  return truncation ? { ...execution, output_truncated: typeof tail === 'string' } : execution;
}
