import { describe, expect, it } from 'vitest';
import { parseMemLimit } from './mem-limit.js';

describe('parseMemLimit', () => {
  it.each([
    ['1024', 1024],
    ['0.5', undefined],
    ['100B', 100],
    ['100b', 100],
    ['1K', 1024],
    ['1KB', 1024],
    ['1kb', 1024],
    ['1.5K', 1536],
    ['512M', 512 * 1024 ** 2],
    ['512MB', 512 * 1024 ** 2],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['2G', 2 * 1024 ** 3],
    ['1T', 1024 ** 4],
    ['1TB', 1024 ** 4],
    ['.5M', 512 * 1024],
    [' 256 MB ', 256 * 1024 ** 2],
    ['1.3333K', 1365],
    ['0', undefined],
    ['0MB', undefined],
    ['-1MB', undefined],
    ['', undefined],
    ['MB', undefined],
    ['10XB', undefined],
    ['10 PB', undefined],
    ['1e3', undefined],
    ['1,5G', undefined],
    ['lots', undefined],
  ])('%j → %s', (text, bytes) => {
    expect(parseMemLimit(text)).toBe(bytes);
  });
});
