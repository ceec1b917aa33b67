/**
 * Live output through a real agent (docs/compatibility.md "Executions"): the SSE stream
 * `GET /v1/jobs/{name}/executions/{id}/stream` replays and follows the output of a running execution
 * and ends with `event: done` carrying the final execution; `/v1/busy` shows the whole output so far
 * (Dkron: only the last chunk, #1742); the stream of a finished execution replays and ends.
 */

import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, save, shellJob, waitExecutions } from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

let agent: AgentHandle;
let client: Api;

beforeAll(async () => {
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
});

const TEN_LINES = 'for i in $(seq 1 10); do echo line$i; sleep 0.3; done';
const EXPECTED = Array.from({ length: 10 }, (_, i) => `line${i + 1}\n`).join('');

interface SseEvent {
  event: string;
  data: string;
  /** When the event was fully received (ms). */
  at: number;
}

/** Reads a Server-Sent Events body to its end, parsing events as they arrive. */
async function readSse(res: Response, onEvent?: (e: SseEvent) => void): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const flush = () => {
    for (;;) {
      const end = buffer.search(/\r?\n\r?\n/);
      if (end < 0) return;
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0 && event === 'message') continue;
      const e = { event, data: data.join('\n'), at: Date.now() };
      events.push(e);
      onEvent?.(e);
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    flush();
  }
  buffer += decoder.decode();
  flush();
  return events;
}

function streamUrl(job: string, id: string): URL {
  return new URL(`/v1/jobs/${job}/executions/${encodeURIComponent(id)}/stream`, agent.baseUrl);
}

async function runningExecution(job: string): Promise<Execution> {
  return waitFor(
    async () => {
      const busy = await client.get<Execution[]>('/v1/busy');
      return busy.body.find((e) => e.job_name === job);
    },
    { message: `${job} in /v1/busy` },
  );
}

describe('execution stream (SSE)', () => {
  it('follows a running execution chunk by chunk and ends with done', async () => {
    await save(client, {
      ...shellJob('st-lines', ''),
      executor_config: { command: TEN_LINES, shell: 'true' },
    });
    expect((await client.jobs.run('st-lines')).status).toBe(200);
    const running = await runningExecution('st-lines');
    const connectedAt = Date.now();
    const res = await fetch(streamUrl('st-lines', running.id));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');

    // /v1/busy during the run: everything so far, not just the last chunk.
    const busyCheck = (async () => {
      const busy = await waitFor(
        async () => {
          const e = (await client.get<Execution[]>('/v1/busy')).body.find((x) => x.id === running.id);
          return e?.output.includes('line4\n') ? e : undefined;
        },
        { message: 'line4 in /v1/busy', intervalMs: 50 },
      );
      return busy.output;
    })();

    const events = await readSse(res);
    const busyOutput = await busyCheck;
    expect(busyOutput.startsWith('line1\nline2\nline3\nline4\n')).toBe(true);
    expect(EXPECTED.startsWith(busyOutput)).toBe(true);

    const outputs = events.filter((e) => e.event === 'output');
    const done = events.filter((e) => e.event === 'done');
    expect(events.map((e) => e.event).filter((e) => e !== 'output')).toEqual(['done']);
    expect(events.at(-1)?.event).toBe('done');
    // All 10 lines, in order, exactly once.
    expect(outputs.map((e) => e.data).join('')).toBe(EXPECTED);
    // Incremental: several chunks, the first one well before the end (~3 s of output).
    expect(outputs.length).toBeGreaterThan(3);
    const doneAt = done[0]!.at;
    expect(doneAt - outputs[0]!.at).toBeGreaterThan(1500);
    expect(doneAt - connectedAt).toBeGreaterThan(1500);
    const final = JSON.parse(done[0]!.data) as Execution;
    expect(final).toMatchObject({
      id: running.id,
      job_name: 'st-lines',
      status: 'success',
      success: true,
      output: EXPECTED,
    });
    expect(finished(final)).toBe(true);
    // The stored execution is the one the stream announced.
    const [stored] = await waitExecutions(client, 'st-lines', 1);
    expect(stored).toMatchObject({
      id: final.id,
      status: 'success',
      output: EXPECTED,
      finished_at: final.finished_at,
    });
  });

  it('a finished execution replays its output and ends with done', async () => {
    const [stored] = await waitExecutions(client, 'st-lines', 1);
    const res = await fetch(streamUrl('st-lines', stored!.id));
    expect(res.status).toBe(200);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(['output', 'done']);
    expect(events[0]!.data).toBe(EXPECTED);
    expect(JSON.parse(events[1]!.data)).toMatchObject({
      id: stored!.id,
      status: 'success',
      output: EXPECTED,
    });
  });

  it('a stream joined late replays the output so far, then follows', async () => {
    await save(client, {
      ...shellJob('st-late', ''),
      executor_config: { command: TEN_LINES, shell: 'true' },
    });
    expect((await client.jobs.run('st-late')).status).toBe(200);
    const running = await runningExecution('st-late');
    await waitFor(
      async () =>
        (await client.get<Execution[]>('/v1/busy')).body
          .find((e) => e.id === running.id)
          ?.output.includes('line3\n'),
      { message: 'three lines of st-late', intervalMs: 50 },
    );
    const events = await readSse(await fetch(streamUrl('st-late', running.id)));
    const outputs = events.filter((e) => e.event === 'output').map((e) => e.data);
    expect(outputs[0]!.startsWith('line1\nline2\nline3\n')).toBe(true);
    expect(outputs.join('')).toBe(EXPECTED);
    expect(events.at(-1)?.event).toBe('done');
  });

  it('an unknown execution is a 404', async () => {
    const res = await fetch(streamUrl('st-lines', '123-nope'));
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});
