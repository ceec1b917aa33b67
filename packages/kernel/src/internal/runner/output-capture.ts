import { StringDecoder } from 'node:string_decoder';
import type { OutputSink } from '@dkron-core/plugin-api';

/** What an execution wrote: a live sink for the executor and the capped tail for storage. */
export interface OutputCapture {
  /** Handed to the executor as `ctx.output`. */
  readonly sink: OutputSink;
  /** The last `limit` bytes written, as UTF-8 bytes. */
  tail(): Buffer;
  /** Stops accepting writes: an executor that keeps writing after it settled streams nothing more. */
  close(): void;
}

/**
 * Captures output keeping only the last `limit` bytes (Dkron keeps the last 256 000 in a circular
 * buffer), and passes every chunk on to `onChunk` as text. Chunks are decoded with one decoder, so a
 * multi-byte character split across two chunks reaches `onChunk` whole.
 */
export function createOutputCapture(limit: number, onChunk: (text: string) => void): OutputCapture {
  // Whole chunks, dropped from the front once the rest covers the limit: memory stays within
  // limit + one chunk without copying bytes on every write.
  let chunks: Buffer[] = [];
  let held = 0;
  let written = 0;
  let open = true;
  // Created by the first binary chunk: most runs write text or nothing.
  let decoder: StringDecoder | undefined;

  const keep = (bytes: Buffer): void => {
    if (bytes.length >= limit) {
      chunks = [bytes.subarray(bytes.length - limit)];
      held = limit;
      return;
    }
    chunks.push(bytes);
    held += bytes.length;
    while (chunks.length > 1 && held - (chunks[0] as Buffer).length >= limit) {
      held -= (chunks.shift() as Buffer).length;
    }
  };

  const sink: OutputSink = {
    write(chunk) {
      if (!open) return;
      let bytes: Buffer;
      let text: string;
      if (typeof chunk === 'string') {
        bytes = Buffer.from(chunk, 'utf8');
        // A pending partial character from an earlier binary chunk cannot be completed by text.
        text = decoder === undefined ? chunk : decoder.end() + chunk;
      } else if (chunk instanceof Uint8Array) {
        bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        decoder ??= new StringDecoder('utf8');
        text = decoder.write(bytes);
        // The executor may reuse its buffer after write returns; keep our own copy.
        bytes = Buffer.from(bytes);
      } else {
        return;
      }
      if (bytes.length === 0) return;
      written += bytes.length;
      keep(bytes);
      if (text !== '') onChunk(text);
    },
    get bytesWritten() {
      return written;
    },
  };

  return {
    sink,
    tail() {
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      return all.length > limit ? all.subarray(all.length - limit) : all;
    },
    close() {
      if (!open) return;
      open = false;
      const rest = decoder?.end() ?? '';
      if (rest !== '') onChunk(rest);
    },
  };
}

/**
 * The last `limit` bytes of `bytes`, starting on a character boundary so the cut never produces a
 * replacement character at the front.
 */
export function utf8Tail(bytes: Buffer, limit: number): Buffer {
  if (bytes.length <= limit) return bytes;
  let start = bytes.length - limit;
  // Skip at most 3 continuation bytes (10xxxxxx): the rest of a character cut in half.
  for (let i = 0; i < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80; i++) start++;
  return bytes.subarray(start);
}

/**
 * The output to store, as Dkron builds it: `<error>\n` followed by what the executor wrote, at most
 * `limit` bytes. Unlike Dkron's single circular buffer, the error line is kept when the output is
 * long: the tail of the output is what gets cut, because the error says why the run failed.
 */
export function composeOutput(error: string | undefined, body: Buffer, limit: number): string {
  const prefix = error === undefined || error === '' ? '' : `${error}\n`;
  const prefixBytes = Buffer.byteLength(prefix, 'utf8');
  if (prefixBytes >= limit) {
    return utf8Tail(Buffer.from(prefix + body.toString('utf8'), 'utf8'), limit).toString('utf8');
  }
  return prefix + utf8Tail(body, limit - prefixBytes).toString('utf8');
}
