import { createMemoryAccessStore } from '@dkron-core/kernel';
import { onTestFinished } from 'vitest';
import { createApi } from '../create-api.js';
import type { ApiOptions } from '../options.js';
import { createTestAgent, type TestAgentOptions } from './test-agent.js';

/** A request's answer, read once. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  readonly json: unknown;
}

/**
 * An app on a fresh real agent (memory store, test plugins; see `createTestAgent`), stopped when the
 * test ends, and a helper that sends JSON.
 */
export async function setup(options: Partial<ApiOptions> & { testAgent?: TestAgentOptions } = {}) {
  const { testAgent, ...apiOptions } = options;
  const agent = await createTestAgent({
    ...(options.maxExecutionsPerJob === undefined
      ? {}
      : { maxExecutionsPerJob: options.maxExecutionsPerJob }),
    ...testAgent,
  });
  try {
    onTestFinished(() => agent.stop());
  } catch {
    // Called outside a test (at a module's top level): the caller stops the agent.
  }
  const app = createApi({ agent: agent.api, ...apiOptions });
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

/** An app with ACLs on over a memory access store, its management secret, and helpers. */
export async function setupAcl(options: Partial<ApiOptions> & { testAgent?: TestAgentOptions } = {}) {
  const store = createMemoryAccessStore();
  const s = await setup({ ...options, access: { store, aclEnabled: true, ...options.access } });
  const boot = await s.call('POST', '/v1/acl/bootstrap');
  if (boot.status !== 200) throw new Error(`bootstrap failed: ${boot.status} ${boot.text}`);
  const management = (boot.json as { secret: string }).secret;
  const as = (secret: string | undefined) => (method: string, path: string, body?: unknown) =>
    s.call(method, path, body, secret === undefined ? {} : { Authorization: `Bearer ${secret}` });
  /** Creates a policy (when `rules` is given) and a client token with the given policies; its secret. */
  const clientToken = async (name: string, policies: string[], rules?: Record<string, string[]>) => {
    if (rules) {
      const path = Object.fromEntries(
        Object.entries(rules).map(([glob, capabilities]) => [glob, { capabilities }]),
      );
      const applied = await as(management)('PUT', `/v1/acl/policies/${policies[0]}`, { rules: { path } });
      if (applied.status !== 200) throw new Error(`policy failed: ${applied.status} ${applied.text}`);
    }
    const res = await as(management)('POST', '/v1/acl/tokens', { name, type: 'client', policies });
    if (res.status !== 201) throw new Error(`token failed: ${res.status} ${res.text}`);
    return (res.json as { secret: string; accessor_id: string }).secret;
  };
  return { ...s, store, management, as, clientToken, bootstrap: boot.json as Record<string, unknown> };
}
