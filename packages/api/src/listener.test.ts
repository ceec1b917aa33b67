import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setup } from './testing/harness.js';

/** The app on a real loopback listener, as the CLI serves it. */
async function listen() {
  const s = await setup();
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: s.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return { ...s, server, base: `http://127.0.0.1:${port}` };
}

const servers: ReturnType<typeof serve>[] = [];
afterEach(async () => {
  const open = servers.splice(0);
  const closing = open.map((server) => new Promise((resolve) => server.close(resolve)));
  // fetch keeps connections alive; without this, close() waits for their idle timeout.
  for (const server of open) if ('closeAllConnections' in server) server.closeAllConnections();
  await Promise.all(closing);
});

describe('over a real socket', () => {
  it('serves JSON with Dkron`s headers', async () => {
    const { agent, server, base } = await listen();
    servers.push(server);
    await agent.seedJob({ name: 'alpha' });
    const res = await fetch(`${base}/v1/jobs`, { headers: { Origin: 'http://ui.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Whom')).toBe('node-a');
    expect(res.headers.get('X-Total-Count')).toBe('1');
    // No CORS unless an origin is configured (browser.test.ts).
    expect(res.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(await res.json()).toMatchObject([{ name: 'alpha' }]);
  });

  it('streams an execution and stops following when the client goes away', async () => {
    const { agent, server, base } = await listen();
    servers.push(server);
    await agent.seedJob({ name: 'alpha', executor: 'gate', executor_config: { hold: true } });
    await fetch(`${base}/v1/jobs/alpha/run`, { method: 'POST' });
    const { id } = await agent.heldRun('alpha');
    const client = new AbortController();
    const res = await fetch(`${base}/v1/jobs/alpha/executions/${id}/stream`, { signal: client.signal });
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
    expect(res.headers.get('X-Whom')).toBe('node-a');
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(1));
    const reader = res.body!.getReader();
    agent.held(id).write('hello');
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe('event: output\ndata: hello\n\n');
    client.abort();
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(0));
  });
});
