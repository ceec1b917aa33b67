import { isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { parseMemoryLimit } from './memory-limit.js';

describe('parseMemoryLimit', () => {
  it.each([
    ['1024', 1024],
    ['512B', 512],
    ['1K', 1024],
    ['1kb', 1024],
    ['1.5KB', 1536],
    ['100M', 100 * 1024 ** 2],
    ['100MB', 100 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['1gb', 1024 ** 3],
    ['1T', 1024 ** 4],
    ['1TB', 1024 ** 4],
    [' 64 MB ', 64 * 1024 ** 2],
    ['.5K', 512],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseMemoryLimit(text)).toBe(bytes);
  });

  it.each([
    ['0', 'memory limit must be greater than 0'],
    ['0MB', 'memory limit must be greater than 0'],
    ['abc', 'invalid memory limit format: abc'],
    ['-5MB', 'invalid memory limit format: -5MB'],
    ['', 'invalid memory limit format: '],
    ['1.2.3M', 'invalid memory limit number: 1.2.3'],
    ['10XB', 'unsupported memory unit: XB (supported: B, KB, MB, GB, TB)'],
    ['10PB', 'unsupported memory unit: PB (supported: B, KB, MB, GB, TB)'],
    ['10 MiB', 'unsupported memory unit: MIB (supported: B, KB, MB, GB, TB)'],
  ])('%j is refused with %j', (text, message) => {
    let error: unknown;
    try {
      parseMemoryLimit(text);
    } catch (e) {
      error = e;
    }
    expect(isDkronError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toBe(message);
  });
});
