import type {
  AuditQuery,
  ExecutionQuery,
  ExecutionSortField,
  JobQuery,
  JobSortField,
} from '@dkron-core/kernel';
import { rfc3339ToMs } from '@dkron-core/kernel';
import type { JobStatus } from '@dkron-core/plugin-api';
import { badRequest } from './errors.js';

/** Dkron's job store indexes, the only `_sort` values it can serve. */
export const JOB_SORT_FIELDS = [
  'name',
  'displayname',
  'schedule',
  'success_count',
  'error_count',
  'last_success',
  'last_error',
  'next',
] as const satisfies readonly JobSortField[];

/** Dkron's execution store indexes. */
export const EXECUTION_SORT_FIELDS = [
  'started_at',
  'finished_at',
  'attempt',
] as const satisfies readonly ExecutionSortField[];

/** `status` filter values; `untriggered` selects jobs that never ran. */
export const STATUS_FILTERS = ['success', 'failed', 'partially_failed', 'running', 'untriggered'] as const;

/** Quotes a client value for a message, cut so that a huge value cannot make a huge response. */
function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** A non-negative integer query value; absent or empty means "not given" (Go's gin reads those as 0). */
export function parseIndex(field: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) {
    const why = /^-\d+$/.test(raw) ? 'must not be negative' : 'must be a non-negative integer';
    throw badRequest(field, `${why}, got ${quote(raw)}`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw badRequest(field, `too large, got ${quote(raw)}`);
  return value;
}

function parseOrder(raw: string | undefined): 'ASC' | 'DESC' | undefined {
  if (raw === undefined || raw === '') return undefined;
  const order = raw.toUpperCase();
  if (order === 'ASC' || order === 'DESC') return order;
  throw badRequest('_order', `use ASC or DESC, got ${quote(raw)}`);
}

function parseSort<F extends string>(raw: string | undefined, fields: readonly F[], id: F): F | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'id') return id;
  if ((fields as readonly string[]).includes(raw)) return raw as F;
  throw badRequest('_sort', `unknown field ${quote(raw)} (use one of id, ${fields.join(', ')})`);
}

function parseSlice(params: URLSearchParams): { start?: number; end?: number } {
  const start = parseIndex('_start', params.get('_start') ?? undefined);
  const end = parseIndex('_end', params.get('_end') ?? undefined);
  // Dkron panics (500) on a reversed slice; an empty page would hide the client's bug.
  if (start !== undefined && end !== undefined && start > end) {
    throw badRequest('_start', `must not be greater than _end (${start} > ${end})`);
  }
  return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

function parseStatus(raw: string | undefined): JobStatus | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'untriggered') return '';
  if ((STATUS_FILTERS as readonly string[]).includes(raw)) return raw as JobStatus;
  throw badRequest('status', `unknown value ${quote(raw)} (use one of ${STATUS_FILTERS.join(', ')})`);
}

function parseDisabled(raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw badRequest('disabled', `use true or false, got ${quote(raw)}`);
}

/** `metadata[k]=v` pairs, as gin's `QueryMap` reads them: the first value of a repeated key wins. */
function parseMetadata(params: URLSearchParams): Record<string, string> | undefined {
  const metadata: Record<string, string> = {};
  let found = false;
  for (const [key, value] of params) {
    const match = /^metadata\[(.*)\]$/s.exec(key);
    if (!match) continue;
    const name = match[1] ?? '';
    if (Object.hasOwn(metadata, name)) continue;
    // defineProperty, not assignment: a key named `__proto__` must stay a plain key.
    Object.defineProperty(metadata, name, { value, enumerable: true, writable: true, configurable: true });
    found = true;
  }
  return found ? metadata : undefined;
}

/** `GET /v1/jobs` query → {@link JobQuery}; a bad value is a 400 naming the parameter. */
export function parseJobQuery(params: URLSearchParams): JobQuery {
  const q = params.get('q');
  const status = parseStatus(params.get('status') ?? undefined);
  const disabled = parseDisabled(params.get('disabled') ?? undefined);
  const metadata = parseMetadata(params);
  const executor = params.get('executor');
  const sort = parseSort(params.get('_sort') ?? undefined, JOB_SORT_FIELDS, 'name');
  const order = parseOrder(params.get('_order') ?? undefined);
  return {
    ...(q ? { q } : {}),
    ...(status === undefined ? {} : { status }),
    ...(disabled === undefined ? {} : { disabled }),
    ...(executor ? { executor } : {}),
    ...(metadata ? { metadata } : {}),
    ...(sort ? { sort } : {}),
    ...(order ? { order } : {}),
    ...parseSlice(params),
  };
}

/**
 * `GET /v1/jobs/{job}/executions` query → {@link ExecutionQuery} (newest first by default).
 *
 * Dkron ignores `_start`/`_end` here, and its UI relies on that: it sends `_start=0&_end=25`, has no
 * pager and shows what it gets. So they are ignored; a page is `offset` and `limit` (dkron-core's UI).
 */
export function parseExecutionQuery(params: URLSearchParams): ExecutionQuery {
  const sort = parseSort(params.get('_sort') ?? undefined, EXECUTION_SORT_FIELDS, 'started_at');
  const order = parseOrder(params.get('_order') ?? undefined) ?? 'DESC';
  const outputSizeLimit = parseIndex('output_size_limit', params.get('output_size_limit') ?? undefined);
  const offset = parseIndex('offset', params.get('offset') ?? undefined);
  const limit = parseIndex('limit', params.get('limit') ?? undefined);
  const start = offset ?? (limit === undefined ? undefined : 0);
  return {
    ...(sort ? { sort } : {}),
    order,
    ...(start === undefined ? {} : { start }),
    ...(limit === undefined ? {} : { end: Math.min((start ?? 0) + limit, Number.MAX_SAFE_INTEGER) }),
    ...(outputSizeLimit === undefined ? {} : { outputSizeLimit }),
  };
}

/** `GET /v1/stats?days=N` exactly as Dkron reads it: default and fallback 30, at most 365. */
export function parseStatsDays(raw: string | undefined): number {
  // Go's strconv.Atoi: no spaces, an optional sign, and an overflow is an error (→ 30).
  const days = raw !== undefined && /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(days) || days <= 0) return 30;
  return Math.min(days, 365);
}

/** True when the query names `key`, with any value or none (Dkron's `runoncreate`, `pretty`). */
export function hasFlag(params: URLSearchParams, key: string): boolean {
  return params.has(key);
}

/** An RFC 3339 time (`2024-05-01T10:00:00Z`, with an offset or fractions) → epoch ms. */
function parseTime(field: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = rfc3339ToMs(raw);
  if (ms === undefined)
    throw badRequest(field, `expected an RFC 3339 time such as 2024-05-01T10:00:00Z, got ${quote(raw)}`);
  return ms;
}

/** `GET /v1/audit` query → {@link AuditQuery} (newest first by default). */
export function parseAuditQuery(params: URLSearchParams): AuditQuery {
  const text = (key: string) => {
    const value = params.get(key);
    return value === null || value === '' ? {} : { [key]: value };
  };
  const sinceMs = parseTime('since', params.get('since') ?? undefined);
  const untilMs = parseTime('until', params.get('until') ?? undefined);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw badRequest('since', 'must not be after until');
  }
  const order = parseOrder(params.get('_order') ?? undefined);
  return {
    ...text('job'),
    ...text('token'),
    ...text('action'),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
    ...(order ? { order } : {}),
    ...parseSlice(params),
  };
}
