import type { JobQuery, JobSortField } from '@dkron-core/kernel';
import { DkronError } from '@dkron-core/plugin-api';
import type { SqlStatement, SqlValue } from '../rqlite-client.js';
import { JOB_COLUMNS } from './job-rows.js';

// The only column names that ever reach ORDER BY: user input selects a key of this map, never SQL text.
const JOB_SORT_COLUMNS: Readonly<Record<JobSortField, string>> = {
  name: 'j.name',
  displayname: 'j.displayname',
  schedule: 'j.schedule',
  success_count: 'j.success_count',
  error_count: 'j.error_count',
  last_success: 'j.last_success',
  last_error: 'j.last_error',
  next: 'j.next',
};

/** LIMIT/OFFSET of a `[start, end)` slice; SQLite reads a negative LIMIT as "no limit". */
export function sliceBounds(
  start: number | undefined,
  end: number | undefined,
): [limit: number, offset: number] {
  const offset = Math.max(0, Math.floor(start ?? 0)) || 0;
  if (end === undefined || !Number.isFinite(end)) return [-1, offset];
  return [Math.max(0, Math.floor(end) - offset), offset];
}

/** WHERE clause and parameters of the filters; `column` writes a column reference. */
function filterClause(query: JobQuery, column: (name: string) => string): [string, SqlValue[]] {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.q) {
    // instr() is case-sensitive, like Dkron's strings.Contains; LIKE would not be.
    where.push(`(instr(${column('name')}, ?) > 0 OR instr(${column('displayname')}, ?) > 0)`);
    params.push(query.q, query.q);
  }
  if (query.status !== undefined) {
    where.push(`${column('status')} = ?`);
    params.push(query.status);
  }
  if (query.disabled !== undefined) {
    where.push(`${column('disabled')} = ?`);
    params.push(query.disabled ? 1 : 0);
  }
  if (query.executor !== undefined) {
    where.push(`json_extract(${column('doc')}, '$.executor') = ?`);
    params.push(query.executor);
  }
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    // The metadata column holds JSON.stringify output, so a stored pair appears in it as `"key":"value"`:
    // instr() on that text is a cheap necessary condition that spares parsing the JSON of most rows.
    // json_each then checks the pair exactly, with bound key and value (no JSON path built from user text).
    where.push(
      `(instr(${column('metadata')}, ?) > 0 AND EXISTS (SELECT 1 FROM json_each(${column('metadata')}) m ` +
        "WHERE m.key = ? AND m.type = 'text' AND m.value = ?))",
    );
    params.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`, key, value);
  }
  return [where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`, params];
}

/** The page and count statements of `GET /v1/jobs`, filtered, sorted and sliced in SQL. */
export function listJobsStatements(query: JobQuery): [page: SqlStatement, count: SqlStatement] {
  const sort = query.sort ?? 'name';
  const column = Object.hasOwn(JOB_SORT_COLUMNS, sort) ? JOB_SORT_COLUMNS[sort] : undefined;
  if (column === undefined) {
    throw new DkronError('VALIDATION', `cannot sort jobs by ${JSON.stringify(sort)}`, {
      details: { field: '_sort' },
    });
  }
  const order = query.order === 'DESC' ? 'DESC' : 'ASC';
  const [limit, offset] = sliceBounds(query.start, query.end);
  const orderBy = column === 'j.name' ? `j.name ${order}` : `${column} ${order}, j.name ${order}`;
  // The page walks the sort index and stops at the slice: the unary + keeps the planner from choosing a
  // filter index instead, which would sort every matching row. The count is best served by those indexes.
  const [pageWhere, pageParams] = filterClause(query, (name) => `+j.${name}`);
  const [countWhere, countParams] = filterClause(query, (name) => `j.${name}`);
  return [
    [
      `SELECT ${JOB_COLUMNS} FROM jobs j${pageWhere} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      ...pageParams,
      limit,
      offset,
    ],
    [`SELECT count(*) AS total FROM jobs j${countWhere}`, ...countParams],
  ];
}
