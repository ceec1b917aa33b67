import { describe, expect, it } from 'vitest';
import { listenUrls } from './urls.js';

describe('listenUrls', () => {
  it('shows a wildcard bind as localhost', () => {
    expect(listenUrls({ address: '::', family: 'IPv6', port: 8080 }, { ui: true })).toEqual({
      listen: '[::]:8080',
      api: 'http://localhost:8080/v1/',
      ui: 'http://localhost:8080/ui/',
    });
    expect(listenUrls({ address: '0.0.0.0', family: 'IPv4', port: 80 }, { ui: false })).toEqual({
      listen: '0.0.0.0:80',
      api: 'http://localhost:80/v1/',
    });
  });

  it('keeps a specific address, bracketing IPv6', () => {
    expect(listenUrls({ address: '127.0.0.1', family: 'IPv4', port: 18080 }, { ui: false }).api).toBe(
      'http://127.0.0.1:18080/v1/',
    );
    expect(listenUrls({ address: '::1', family: 'IPv6', port: 8080 }, { ui: true })).toEqual({
      listen: '[::1]:8080',
      api: 'http://[::1]:8080/v1/',
      ui: 'http://[::1]:8080/ui/',
    });
  });
});
