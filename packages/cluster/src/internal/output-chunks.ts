/** Largest chunk of live output in one message (characters): far below gRPC's 4 MiB message limit. */
export const MAX_OUTPUT_CHUNK = 64 * 1024;

/** Live output the server keeps per run (its tail): more of one write than this is never shown. */
export const KEPT_OUTPUT = 256_000;

/**
 * One write of an executor as the chunks an agent streams: at most {@link MAX_OUTPUT_CHUNK} characters
 * each, and only the last {@link KEPT_OUTPUT} characters of a larger write (the server keeps the tail).
 */
export function outputChunks(chunk: string): string[] {
  if (chunk.length <= MAX_OUTPUT_CHUNK) return [chunk];
  const tail = chunk.length > KEPT_OUTPUT ? chunk.slice(-KEPT_OUTPUT) : chunk;
  const out: string[] = [];
  for (let i = 0; i < tail.length; i += MAX_OUTPUT_CHUNK) out.push(tail.slice(i, i + MAX_OUTPUT_CHUNK));
  return out;
}
