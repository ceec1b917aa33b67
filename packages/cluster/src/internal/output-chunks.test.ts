import { describe, expect, it } from 'vitest';
import { KEPT_OUTPUT, MAX_OUTPUT_CHUNK, outputChunks } from './output-chunks.js';

describe('outputChunks', () => {
  it('sends a small write as it is', () => {
    expect(outputChunks('line\n')).toEqual(['line\n']);
    expect(outputChunks('')).toEqual(['']);
  });

  it('cuts a large write into bounded chunks that join to the write', () => {
    const text = 'x'.repeat(MAX_OUTPUT_CHUNK * 2 + 5);
    const chunks = outputChunks(text);
    expect(chunks.map((c) => c.length)).toEqual([MAX_OUTPUT_CHUNK, MAX_OUTPUT_CHUNK, 5]);
    expect(chunks.join('')).toBe(text);
  });

  it('keeps only the tail of a write larger than what the server keeps', () => {
    const text = `${'a'.repeat(1_000_000)}${'b'.repeat(KEPT_OUTPUT)}`;
    const chunks = outputChunks(text);
    expect(chunks.join('')).toBe('b'.repeat(KEPT_OUTPUT));
    expect(Math.max(...chunks.map((c) => c.length))).toBe(MAX_OUTPUT_CHUNK);
  });
});
