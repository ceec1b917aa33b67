import type { ExecutionQuery, ExecutionSortField } from '@dkron-core/kernel';
import { DkronError, type Execution, type ExecutionStatus } from '@dkron-core/plugin-api';
import type { SqlRow, SqlStatement, SqlValue } from '../rqlite-client.js';
import { sliceBounds } from './job-query.js';
import { fromTimeKey } from './time-key.js';

/* Reads of executions; writes are set-based in `execution-rows.ts` (start) and `finish-sql.ts` (close). */

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

/** The `retain` of a list query as a SQL LIMIT: -1 (none) unless it is a positive integer. */
function retainLimit(retain: number | undefined): number {
  if (retain === undefined) return -1;
  if (!Number.isInteger(retain) || retain < 1) {
    throw new DkronError('VALIDATION', `retain: expected a positive integer, got ${retain}`, {
      details: { field: 'retain' },
    });
  }
  return retain;
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
  // Every execution of the job, or only the newest `retain`: the ones a trim keeps (execution-rows.ts).
  const retain = retainLimit(query.retain);
  const [from, ...fromArgs]: [string, ...SqlValue[]] =
    retain < 0
      ? ['executions WHERE job_name = ?', job]
      : [
          '(SELECT * FROM executions WHERE job_name = ? ORDER BY started_at DESC, id DESC LIMIT ?)',
          job,
          retain,
        ];
  const cut = '(? >= 0 AND length(CAST(output AS BLOB)) > ?)';
  return [
    [
      `SELECT ${EXECUTION_COLUMNS},
        CASE WHEN ${cut} THEN NULL ELSE output END AS output,
        CASE WHEN ${cut} THEN CASE WHEN ? = 0 THEN '' ELSE hex(substr(CAST(output AS BLOB), -?)) END END AS output_tail
      FROM ${from} ORDER BY ${column} ${order}, id ${order} LIMIT ? OFFSET ?`,
      limit,
      limit,
      limit,
      limit,
      limit,
      limit,
      ...fromArgs,
      rows,
      offset,
    ],
    retain < 0
      ? ['SELECT count(*) AS total FROM executions WHERE job_name = ?', job]
      : ['SELECT min(count(*), ?) AS total FROM executions WHERE job_name = ?', retain, job],
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
