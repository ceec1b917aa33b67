import { describe, expect, it } from 'vitest';
import { isUsageError } from '../config/errors.js';
import { toBaseUrl } from './backup.js';

describe('backup/restore --http-addr', () => {
  it.each([
    ['http://10.0.0.5:8080/', 'http://10.0.0.5:8080'],
    ['https://dkron.example.com', 'https://dkron.example.com'],
    ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
    [':8081', 'http://127.0.0.1:8081'],
  ])('%s → %s', (input, expected) => {
    expect(toBaseUrl(input)).toBe(expected);
  });

  it('refuses an address it cannot read, naming the flag', () => {
    let caught: unknown;
    try {
      toBaseUrl('not an address');
    } catch (err) {
      caught = err;
    }
    expect(isUsageError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      '--http-addr: invalid address "not an address" (expected http://host:port or host:port)',
    );
  });
});
