import { createApi } from '../create-api.js';
import type { ApiOptions } from '../options.js';
import { FakeAgent } from './fake-agent.js';

/** A request's answer, read once. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

/** An app on a fresh {@link FakeAgent}, and a helper that sends JSON. */
export function setup(options: Partial<ApiOptions> = {}) {
  const agent = new FakeAgent();
  const app = createApi({ agent, ...options });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Answer> => {
    const init: RequestInit = { method, headers: headers ?? {} };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof FormData ? body : JSON.stringify(body);
      if (typeof body !== 'string' && !(body instanceof FormData)) {
        init.headers = { 'Content-Type': 'application/json', ...(headers ?? {}) };
      }
    }
    const res = await app.request(path, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return { agent, app, call };
}
