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

/** The page and count statements of `GET /v1/jobs`, filtered, sorted and sliced in SQL. */
export function listJobsStatements(query: JobQuery): [page: SqlStatement, count: SqlStatement] {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (query.q) {
    // instr() is case-sensitive, like Dkron's strings.Contains; LIKE would not be.
    where.push('(instr(j.name, ?) > 0 OR instr(j.displayname, ?) > 0)');
    params.push(query.q, query.q);
  }
  if (query.status !== undefined) {
    where.push('j.status = ?');
    params.push(query.status);
  }
  if (query.disabled !== undefined) {
    where.push('j.disabled = ?');
    params.push(query.disabled ? 1 : 0);
  }
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    // The metadata column holds JSON.stringify output, so a stored pair appears in it as `"key":"value"`:
    // instr() on that text is a cheap necessary condition that spares parsing the JSON of most rows.
    // json_each then checks the pair exactly, with bound key and value (no JSON path built from user text).
    where.push(
      "(instr(j.metadata, ?) > 0 AND EXISTS (SELECT 1 FROM json_each(j.metadata) m WHERE m.key = ? AND m.type = 'text' AND m.value = ?))",
    );
    params.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`, key, value);
  }
  const sort = query.sort ?? 'name';
  const column = Object.hasOwn(JOB_SORT_COLUMNS, sort) ? JOB_SORT_COLUMNS[sort] : undefined;
  if (column === undefined) {
    throw new DkronError('VALIDATION', `cannot sort jobs by ${JSON.stringify(sort)}`, {
      details: { field: '_sort' },
    });
  }
  const order = query.order === 'DESC' ? 'DESC' : 'ASC';
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  const [limit, offset] = sliceBounds(query.start, query.end);
  const orderBy = column === 'j.name' ? `j.name ${order}` : `${column} ${order}, j.name ${order}`;
  return [
    [
      `SELECT ${JOB_COLUMNS} FROM jobs j${filter} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    ],
    [`SELECT count(*) AS total FROM jobs j${filter}`, ...params],
  ];
}
