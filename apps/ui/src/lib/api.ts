/**
 * The API client of the UI. The base URL is what the server injected as `DKRON_API_URL` (Dkron's
 * placeholder, `"../v1"`), resolved against the page, so the UI works under /ui/ and behind any proxy
 * prefix. A token in sessionStorage is sent as `Authorization: Bearer`; a 401 routes to `#/login`.
 */

import type { Execution, Job, JobSlots, Member, PluginCatalog, SchedulePreview, UpcomingRun } from './types';

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

type UnauthorizedListener = () => void;
const unauthorized = new Set<UnauthorizedListener>();

/** Called on every 401; the app routes to `#/login`, where a login page can take over. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

function headers(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  const token = getToken();
  if (token) h.set('Authorization', `Bearer ${token}`);
  return h;
}

async function fail(res: Response): Promise<never> {
  if (res.status === 401) for (const l of unauthorized) l();
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
  throw new ApiError(res.status, message, code, field);
}

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  const init: RequestInit = { method, headers: headers(), ...(signal ? { signal } : {}) };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Headers).set('Content-Type', 'application/json');
  }
  const res = await fetch(`${apiBase()}${path}`, init);
  if (!res.ok) await fail(res);
  return res as Response & { json(): Promise<T> };
}

async function json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  return (await request<T>(method, path, body, signal)).json() as Promise<T>;
}

async function page<T>(path: string, signal?: AbortSignal): Promise<Page<T>> {
  const res = await request<T[]>('GET', path, undefined, signal);
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
};
