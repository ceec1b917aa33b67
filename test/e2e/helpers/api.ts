import type { Execution, Job } from '@dkron-core/plugin-api';

/** A response with its body parsed (JSON when the server says so, text otherwise). */
export interface ApiResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  /** The raw body text. */
  readonly text: string;
}

/** Minimal typed client of a node's HTTP API, for e2e tests. Never throws on HTTP statuses. */
export interface Api {
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    init?: RequestInit,
  ): Promise<ApiResponse<T>>;
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  put<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  patch<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string): Promise<ApiResponse<T>>;
  /** Dkron v1 job routes. */
  readonly jobs: {
    list(query?: string): Promise<ApiResponse<Job[]>>;
    get(name: string): Promise<ApiResponse<Job>>;
    save(job: Partial<Job> & { name: string }): Promise<ApiResponse<Job>>;
    run(name: string): Promise<ApiResponse<Job>>;
    toggle(name: string): Promise<ApiResponse<Job>>;
    delete(name: string): Promise<ApiResponse<Job>>;
    executions(name: string): Promise<ApiResponse<Execution[]>>;
  };
}

/** A client of the API at `baseUrl` (e.g. `http://127.0.0.1:8080`), sending `headers` on every request. */
export function api(baseUrl: string, defaults: { headers?: Record<string, string> } = {}): Api {
  const request = async <T>(method: string, path: string, body?: unknown, init: RequestInit = {}) => {
    const headers = new Headers(defaults.headers);
    new Headers(init.headers).forEach((value, name) => {
      headers.set(name, value);
    });
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const res = await fetch(new URL(path, baseUrl), { ...init, method, headers, body: payload ?? null });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
    return { status: res.status, headers: res.headers, body: (isJson ? JSON.parse(text) : text) as T, text };
  };
  const job = (name: string) => `/v1/jobs/${encodeURIComponent(name)}`;
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    patch: (path, body) => request('PATCH', path, body),
    delete: (path) => request('DELETE', path),
    jobs: {
      list: (query = '') => request('GET', `/v1/jobs${query ? `?${query}` : ''}`),
      get: (name) => request('GET', job(name)),
      save: (value) => request('POST', '/v1/jobs', value),
      run: (name) => request('POST', job(name)),
      toggle: (name) => request('POST', `${job(name)}/toggle`),
      delete: (name) => request('DELETE', job(name)),
      executions: (name) => request('GET', `${job(name)}/executions`),
    },
  };
}
