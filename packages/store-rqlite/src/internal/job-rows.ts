import { toJob } from '@dkron-core/kernel';
import { DkronError, type Job, ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlRow, SqlStatement, SqlValue } from '../rqlite-client.js';
import { fromNullableTimeKey, fromTimeKey, toNullableTimeKey, toTimeKey } from './time-key.js';

/*
 * A job is stored as real columns for everything SQL filters, sorts or merges on, plus `doc`: the rest of
 * the job as JSON (so fields added to the model later round-trip without a migration).
 */

/** Columns every job read selects, `j` being the jobs table; `children` feeds `dependent_jobs`. */
export const JOB_COLUMNS =
  'j.name, j.displayname, j.schedule, j.timezone, j.success_count, j.error_count, j.last_success, ' +
  'j.last_error, j.next, j.status, j.disabled, j.parent_job, j.missed_count, j.metadata, j.doc, j.version, ' +
  '(SELECT json_group_array(c.name) FROM jobs c WHERE c.parent_job = j.name) AS children';

const COLUMN_FIELDS = new Set([
  'id',
  'name',
  'displayname',
  'schedule',
  'timezone',
  'success_count',
  'error_count',
  'last_success',
  'last_error',
  'next',
  'status',
  'disabled',
  'parent_job',
  'missed_count',
  'metadata',
  'dependent_jobs',
]);

// Field order of the served JSON, and the value of a field missing from an older document: the
// kernel's own defaults for a job posted with no field at all.
const JOB_DEFAULTS: Job = toJob({});

/**
 * One atomic upsert with Dkron's merge rules against the stored row. The `SELECT ... WHERE` makes the insert
 * conditional on the parent existing, so a missing parent writes nothing (0 rows affected).
 * `missed_count` is absent from `SET`: the stored value is kept. `next` is the scheduler's: kept while
 * schedule and timezone are unchanged, else reset to the zero time for the scheduler to recompute.
 * `version` starts at 1 (the column default) and grows by one per update. With an expected version (the
 * last parameter, `NULL`: unconditional) nothing is written unless the stored row is at that version; `0`
 * expects no row, and a missing row with an expected version >= 1 is not created either.
 */
const UPSERT_JOB = `INSERT INTO jobs (name, displayname, schedule, timezone, success_count, error_count,
  last_success, last_error, next, status, disabled, parent_job, missed_count, metadata, doc)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
WHERE (? = '' OR EXISTS (SELECT 1 FROM jobs p WHERE p.name = ?))
  AND (? IS NULL OR ? = 0 OR EXISTS (SELECT 1 FROM jobs v WHERE v.name = ?))
ON CONFLICT (name) DO UPDATE SET
  displayname = excluded.displayname,
  schedule = excluded.schedule,
  timezone = excluded.timezone,
  success_count = max(jobs.success_count, excluded.success_count),
  error_count = max(jobs.error_count, excluded.error_count),
  last_success = nullif(max(coalesce(jobs.last_success, ''), coalesce(excluded.last_success, '')), ''),
  last_error = nullif(max(coalesce(jobs.last_error, ''), coalesce(excluded.last_error, '')), ''),
  next = CASE WHEN jobs.schedule <> excluded.schedule OR jobs.timezone <> excluded.timezone
    THEN ? ELSE jobs.next END,
  status = CASE WHEN jobs.status <> '' THEN jobs.status ELSE excluded.status END,
  disabled = excluded.disabled,
  parent_job = excluded.parent_job,
  metadata = excluded.metadata,
  doc = excluded.doc,
  version = jobs.version + 1
WHERE ? IS NULL OR jobs.version = ?`;

const ZERO_NEXT = toTimeKey(ZERO_TIME, 'next');

/** The columns a save writes as given (the definition), as stored. */
function definitionColumns(job: Job) {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(job)) {
    if (!COLUMN_FIELDS.has(key) && value !== undefined) doc[key] = value;
  }
  return {
    displayname: job.displayname ?? '',
    schedule: job.schedule ?? '',
    timezone: job.timezone ?? '',
    disabled: job.disabled ? 1 : 0,
    parent_job: job.parent_job ?? '',
    // Exactly JSON.stringify's text: the metadata filter's instr() pre-check relies on it (job-query.ts).
    metadata: job.metadata ? JSON.stringify(job.metadata) : null,
    doc: JSON.stringify(doc),
  };
}

/**
 * Whether `row` (read with {@link JOB_COLUMNS}) holds exactly the definition a save of `job` writes: how a
 * conditional save whose first attempt's answer was lost recognizes its own write.
 */
export function holdsDefinition(row: SqlRow, job: Job): boolean {
  return Object.entries(definitionColumns(job)).every(([column, value]) => row[column] === value);
}

/** The upsert statement of {@link UPSERT_JOB} for `job`, conditional on `expectedVersion` when given. */
export function upsertJobStatement(job: Job, expectedVersion?: number): SqlStatement {
  if (typeof job.name !== 'string' || job.name === '') {
    throw new DkronError('VALIDATION', 'name cannot be empty', { details: { field: 'name' } });
  }
  const definition = definitionColumns(job);
  const parent = definition.parent_job;
  const expected = expectedVersion ?? null;
  const params: SqlValue[] = [
    job.name,
    definition.displayname,
    definition.schedule,
    definition.timezone,
    job.success_count ?? 0,
    job.error_count ?? 0,
    toNullableTimeKey(job.last_success, 'last_success'),
    toNullableTimeKey(job.last_error, 'last_error'),
    toTimeKey(job.next || ZERO_TIME, 'next'),
    job.status ?? '',
    definition.disabled,
    parent,
    job.missed_count ?? 0,
    definition.metadata,
    definition.doc,
    parent,
    parent,
    expected,
    expected,
    job.name,
    ZERO_NEXT,
    expected,
    expected,
  ];
  return [UPSERT_JOB, ...params];
}

function text(row: SqlRow, column: string): string {
  const value = row[column];
  return typeof value === 'string' ? value : '';
}

function int(row: SqlRow, column: string): number {
  const value = row[column];
  return typeof value === 'number' ? value : 0;
}

/** A `jobs` row whose JSON columns cannot be read (written by hand, or by a bug): the job cannot be served. */
export class UnreadableJobRow extends Error {
  override readonly name = 'UnreadableJobRow';
  readonly job: string;

  constructor(job: string, reason: string) {
    super(`job ${JSON.stringify(job)} cannot be read: ${reason}`);
    this.job = job;
  }
}

function parseJson<T>(row: SqlRow, column: string, shape: 'object' | 'array'): T | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  const job = text(row, 'name');
  if (typeof value !== 'string') throw new UnreadableJobRow(job, `column ${column} is not text`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UnreadableJobRow(job, `column ${column} is not JSON (${(error as Error).message})`);
  }
  const isArray = Array.isArray(parsed);
  if (typeof parsed !== 'object' || parsed === null || isArray !== (shape === 'array')) {
    throw new UnreadableJobRow(job, `column ${column} is not a JSON ${shape}`);
  }
  return parsed as T;
}

/** The `version` column of a row read with {@link JOB_COLUMNS}. */
export function versionOf(row: SqlRow): number {
  return int(row, 'version');
}

/**
 * A job read with {@link JOB_COLUMNS}.
 * @throws {@link UnreadableJobRow} when `doc`, `metadata` or the children list is not the JSON it should be.
 */
export function jobFromRow(row: SqlRow): Job {
  return jobFrom(row, parseJson<Partial<Job>>(row, 'doc', 'object') ?? {});
}

/** The job of a row that {@link jobFromRow} cannot read, from its columns alone (for its deletion). */
export function jobFromColumns(row: SqlRow): Job {
  return jobFrom({ ...row, metadata: null }, {});
}

function jobFrom(row: SqlRow, doc: Partial<Job>): Job {
  const children = parseJson<string[]>(row, 'children', 'array') ?? [];
  const name = text(row, 'name');
  return {
    ...JOB_DEFAULTS,
    ...doc,
    id: name,
    name,
    displayname: text(row, 'displayname'),
    schedule: text(row, 'schedule'),
    timezone: text(row, 'timezone'),
    success_count: int(row, 'success_count'),
    error_count: int(row, 'error_count'),
    last_success: fromNullableTimeKey(row.last_success),
    last_error: fromNullableTimeKey(row.last_error),
    next: fromTimeKey(text(row, 'next')),
    status: text(row, 'status') as Job['status'],
    disabled: int(row, 'disabled') !== 0,
    parent_job: text(row, 'parent_job'),
    missed_count: int(row, 'missed_count'),
    metadata: parseJson<Record<string, string>>(row, 'metadata', 'object'),
    // Dkron keeps children in a list; we derive it from the children's parent_job, in name order.
    dependent_jobs: children.length === 0 ? null : children.sort(),
  };
}
