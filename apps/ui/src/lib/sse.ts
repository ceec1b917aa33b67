import { api } from './api';

export type StreamEvent = { event: string; data: string };

/** Parses a text/event-stream body into events (fetch-based, so the Authorization header is sent). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2));
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
    }
  }
}

/** Follows one execution's output: `onOutput` per chunk, then resolves with the final execution JSON. */
export async function followExecution(
  job: string,
  id: string,
  signal: AbortSignal,
  onOutput: (chunk: string) => void,
): Promise<unknown> {
  const res = await api.stream(
    `/jobs/${encodeURIComponent(job)}/executions/${encodeURIComponent(id)}/stream`,
    signal,
  );
  if (!res.body) return undefined;
  for await (const e of readEvents(res.body)) {
    if (e.event === 'output') onOutput(e.data);
    else if (e.event === 'done') return JSON.parse(e.data);
    else if (e.event === 'error') throw new Error((JSON.parse(e.data) as { message?: string }).message);
  }
  return undefined;
}
