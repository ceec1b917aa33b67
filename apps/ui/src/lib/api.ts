/**
 * The API client of the UI. The base URL is what the server injected as `DKRON_API_URL` (Dkron's
 * placeholder, `"../v1"`), resolved against the page, so the UI works under /ui/ and behind any proxy
 * prefix. A token in sessionStorage is sent as `Authorization: Bearer`; a 401 tells the session
 * (lib/session.ts), which shows the sign-in.
 */

import type {
  AclPolicy,
  AclRules,
  AclToken,
  AuditEntry,
  Execution,
  Job,
  JobSlots,
  Member,
  PluginCatalog,
  SchedulePreview,
  TokenSelf,
  UpcomingRun,
} from './types';

declare global {
  interface Window {
    DKRON_API_URL?: string;
    DKRON_LEADER?: string;
    DKRON_TOTAL_JOBS?: number;
    DKRON_SUCCESSFUL_JOBS?: number;
    DKRON_FAILED_JOBS?: number;
    DKRON_UNTRIGGERED_JOBS?: number;
    DKRON_ACL_ENABLED?: boolean;
  }
}

export const TOKEN_KEY = 'dkron-core.token';

/** Where the API lives, absolute. */
export function apiBase(): string {
  const configured = typeof window.DKRON_API_URL === 'string' ? window.DKRON_API_URL : '../v1';
  return new URL(configured.replace(/\/+$/, ''), document.baseURI).href.replace(/\/+$/, '');
}

export function getToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API: `{"message","code","field"}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * An error as a person reads it. A 403 is the token's policy refusing: the server's message names the
 * token, the capability and the path (`token "ci" may not update /v1/jobs/etl`).
 */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) {
      return `Not allowed: ${error.message}. This token's policies do not grant it; ask an administrator for a token that may.`;
    }
    if (error.status === 401) return `Sign-in required: ${error.message}`;
    return `${error.message} (${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

type UnauthorizedListener = (error: ApiError) => void;
const unauthorized = new Set<UnauthorizedListener>();

/** Called on every 401 of a request made with the session's token. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

/** Per-request options. */
interface RequestOptions {
  readonly signal?: AbortSignal | undefined;
  /** Send this token instead of the session's (a sign-in checks one before keeping it). */
  readonly token?: string;
}

function headers(token: string | null): Headers {
  const h = new Headers();
  if (token) h.set('Authorization', `Bearer ${token}`);
  return h;
}

async function fail(res: Response, own: boolean): Promise<never> {
  const error = await errorOf(res);
  if (res.status === 401 && own) for (const l of unauthorized) l(error);
  throw error;
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  let field: string | undefined;
  try {
    const body = (await res.json()) as { message?: string; code?: string; field?: string };
    if (body.message) message = body.message;
    code = body.code;
    field = body.field;
  } catch {
    // not JSON
  }
  return new ApiError(res.status, message, code, field);
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

async function request(
  method: string,
  path: string,
  body?: unknown,
  options: AbortSignal | RequestOptions = {},
): Promise<Response> {
  const { signal, token } = options instanceof AbortSignal ? { signal: options, token: undefined } : options;
  const h = headers(token ?? getToken());
  const init: RequestInit = { method, headers: h, ...(signal ? { signal } : {}) };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    h.set('Content-Type', 'application/json');
  }
  const res = await fetch(`${apiBase()}${path}`, init);
  if (!res.ok) await fail(res, token === undefined);
  return res;
}

async function json<T>(
  method: string,
  path: string,
  body?: unknown,
  options?: AbortSignal | RequestOptions,
): Promise<T> {
  return (await request(method, path, body, options)).json() as Promise<T>;
}

async function page<T>(path: string, signal?: AbortSignal): Promise<Page<T>> {
  const res = await request('GET', path, undefined, signal);
  const items = (await res.json()) as T[];
  return { items, total: Number(res.headers.get('X-Total-Count') ?? items.length) };
}

const enc = encodeURIComponent;
const job = (name: string) => `/jobs/${enc(name)}`;

export interface JobListQuery {
  q?: string;
  status?: string;
  disabled?: string;
  executor?: string;
  metadata?: Record<string, string>;
  sort?: string;
  order?: 'ASC' | 'DESC';
  start?: number;
  end?: number;
}

export function jobListPath(query: JobListQuery): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  if (query.status) p.set('status', query.status);
  if (query.disabled) p.set('disabled', query.disabled);
  if (query.executor) p.set('executor', query.executor);
  for (const [k, v] of Object.entries(query.metadata ?? {})) p.set(`metadata[${k}]`, v);
  if (query.sort) p.set('_sort', query.sort);
  if (query.order) p.set('_order', query.order);
  if (query.start !== undefined) p.set('_start', String(query.start));
  if (query.end !== undefined) p.set('_end', String(query.end));
  const qs = p.toString();
  return `/jobs${qs ? `?${qs}` : ''}`;
}

/** Filters and slice of `GET /v1/audit`. */
export interface AuditQuery {
  job?: string;
  token?: string;
  action?: string;
  /** RFC 3339. */
  since?: string;
  until?: string;
  order?: 'ASC' | 'DESC';
  start?: number;
  end?: number;
}

export function auditPath(query: AuditQuery): string {
  const p = new URLSearchParams();
  for (const key of ['job', 'token', 'action', 'since', 'until'] as const) {
    const value = query[key];
    if (value) p.set(key, value);
  }
  if (query.order) p.set('_order', query.order);
  if (query.start !== undefined) p.set('_start', String(query.start));
  if (query.end !== undefined) p.set('_end', String(query.end));
  const qs = p.toString();
  return `/audit${qs ? `?${qs}` : ''}`;
}

export const api = {
  jobs: (query: JobListQuery, signal?: AbortSignal) => page<Job>(jobListPath(query), signal),
  job: (name: string, signal?: AbortSignal) => json<Job>('GET', job(name), undefined, signal),
  saveJob: (value: unknown) => json<Job>('POST', '/jobs', value),
  deleteJob: (name: string) => json<Job>('DELETE', job(name)),
  runJob: (name: string, force = false) => json<Job>('POST', `${job(name)}${force ? '?force=true' : ''}`),
  toggleJob: (name: string) => json<Job>('POST', `${job(name)}/toggle`),
  executions: (name: string, offset: number, limit: number, outputLimit: number, signal?: AbortSignal) =>
    page<Execution>(
      `${job(name)}/executions?offset=${offset}&limit=${limit}&output_size_limit=${outputLimit}`,
      signal,
    ),
  execution: (name: string, id: string) => json<Execution>('GET', `${job(name)}/executions/${enc(id)}`),
  cancelExecution: (name: string, id: string) =>
    json<Execution>('POST', `${job(name)}/executions/${enc(id)}/cancel`),
  graph: (name: string, signal?: AbortSignal) =>
    json<{ job: string; ancestors: string[]; descendants: string[]; edges: [string, string][] }>(
      'GET',
      `${job(name)}/graph`,
      undefined,
      signal,
    ),
  upcomingOf: (name: string, count: number, signal?: AbortSignal) =>
    json<SchedulePreview>('GET', `${job(name)}/upcoming?count=${count}`, undefined, signal),
  slots: (name: string, hours: number, signal?: AbortSignal) =>
    json<JobSlots>('GET', `${job(name)}/slots?hours=${hours}`, undefined, signal),
  preview: (schedule: string, timezone: string, jobName: string, signal?: AbortSignal) =>
    json<SchedulePreview>(
      'GET',
      `/schedule/preview?schedule=${enc(schedule)}&timezone=${enc(timezone)}&job=${enc(jobName)}&count=5`,
      undefined,
      signal,
    ),
  upcoming: (minutes: number, signal?: AbortSignal) =>
    json<UpcomingRun[]>('GET', `/upcoming?minutes=${minutes}&limit=50`, undefined, signal),
  busy: (signal?: AbortSignal) => json<Execution[]>('GET', '/busy', undefined, signal),
  members: (signal?: AbortSignal) => json<Member[]>('GET', '/members', undefined, signal),
  leader: (signal?: AbortSignal) => json<Member>('GET', '/leader', undefined, signal),
  stats: (days: number, signal?: AbortSignal) =>
    json<{ stats: { date: string; success_count: number; failed_count: number }[] }>(
      'GET',
      `/stats?days=${days}`,
      undefined,
      signal,
    ),
  plugins: (signal?: AbortSignal) => json<PluginCatalog>('GET', '/plugins', undefined, signal),
  restore: (file: Blob) => {
    const form = new FormData();
    form.set('file', file, 'jobs.json');
    return json<string>('POST', '/restore', form);
  },
  /** Every job, as `GET /v1/jobs` returns them (the backup format of `POST /v1/restore`). */
  exportJobs: async () => (await page<Job>('/jobs')).items,
  /** The raw response of a path under the API, for streams. */
  stream: (path: string, signal: AbortSignal) => request('GET', path, undefined, signal),

  /** The calling token (or `token`, when given) and its capabilities on `paths`. */
  tokenSelf: (paths: readonly string[], options?: RequestOptions) =>
    json<TokenSelf>(
      'GET',
      `/acl/token/self${paths.length ? `?${paths.map((p) => `path=${enc(p)}`).join('&')}` : ''}`,
      undefined,
      options,
    ),
  audit: (query: AuditQuery, signal?: AbortSignal) => page<AuditEntry>(auditPath(query), signal),
  policies: (signal?: AbortSignal) => json<AclPolicy[]>('GET', '/acl/policies', undefined, signal),
  applyPolicy: (name: string, policy: { description: string; rules: AclRules }) =>
    json<AclPolicy>('PUT', `/acl/policies/${enc(name)}`, policy),
  deletePolicy: (name: string) => json<AclPolicy>('DELETE', `/acl/policies/${enc(name)}`),
  tokens: (signal?: AbortSignal) => json<AclToken[]>('GET', '/acl/tokens', undefined, signal),
  createToken: (token: { name: string; type: 'client' | 'management'; policies: string[] }) =>
    json<AclToken>('POST', '/acl/tokens', token),
  revokeToken: (accessor: string) => json<AclToken>('DELETE', `/acl/tokens/${enc(accessor)}`),
};
