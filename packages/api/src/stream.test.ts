import { describe, expect, it, vi } from 'vitest';
import { setup } from './testing/harness.js';

/** Reads a Server-Sent Events body event by event. */
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: string } | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
          const data = lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          return { event, data };
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('GET /v1/jobs/:job/executions/:execution/stream', () => {
  it('replays a finished execution and ends with done', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    await agent.seedExecution({ job_name: 'a', id: '1-node-a', output: 'hello\nworld' });
    const res = await app.request('/v1/jobs/a/executions/1-node-a/stream');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
    expect(res.headers.get('X-Whom')).toBe('node-a');
    const stream = events(res.body!);
    expect(await stream.next()).toEqual({ event: 'output', data: 'hello\nworld' });
    const done = await stream.next();
    expect(done?.event).toBe('done');
    expect(JSON.parse(done?.data ?? '')).toMatchObject({ id: '1-node-a', success: true });
    expect(await stream.next()).toBeUndefined();
  });

  it('streams a running execution live until it finishes', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a', executor: 'gate', executor_config: { hold: true } });
    await app.request('/v1/jobs/a/run', { method: 'POST' });
    const { id } = await agent.heldRun('a');
    const res = await app.request(`/v1/jobs/a/executions/${id}/stream`);
    const stream = events(res.body!);
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(1));
    agent.held(id).write('step 1\n');
    expect(await stream.next()).toEqual({ event: 'output', data: 'step 1\n' });
    agent.held(id).write('step 2');
    expect(await stream.next()).toEqual({ event: 'output', data: 'step 2' });
    agent.held(id).finish(false);
    const done = await stream.next();
    expect(done?.event).toBe('done');
    expect(JSON.parse(done?.data ?? '')).toMatchObject({ id, success: false, output: 'step 1\nstep 2' });
    expect(await stream.next()).toBeUndefined();
    expect(agent.followerCount(id)).toBe(0);
  });

  it('stops following when the client disconnects', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a', executor: 'gate', executor_config: { hold: true } });
    await app.request('/v1/jobs/a/run', { method: 'POST' });
    const { id } = await agent.heldRun('a');
    const client = new AbortController();
    const res = await app.request(`/v1/jobs/a/executions/${id}/stream`, { signal: client.signal });
    const stream = events(res.body!);
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(1));
    agent.held(id).write('x');
    expect((await stream.next())?.data).toBe('x');
    client.abort();
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(0));
    await stream.cancel();
  });

  it('stops following when the body is cancelled', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a', executor: 'gate', executor_config: { hold: true } });
    await app.request('/v1/jobs/a/run', { method: 'POST' });
    const { id } = await agent.heldRun('a');
    const res = await app.request(`/v1/jobs/a/executions/${id}/stream`);
    const stream = events(res.body!);
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(1));
    await stream.cancel();
    agent.held(id).write('nobody listens');
    await vi.waitFor(() => expect(agent.followerCount(id)).toBe(0));
  });

  it('answers a plain 404 for an unknown execution', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    const res = await app.request('/v1/jobs/a/executions/nope/stream');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
