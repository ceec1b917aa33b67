import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

describe('GET /metrics and /debug/vars', () => {
  it('are absent without the capabilities (Dkron registers /metrics only with --enable-prometheus)', async () => {
    const { call } = await setup();
    expect((await call('GET', '/metrics')).status).toBe(404);
    expect((await call('GET', '/debug/vars')).status).toBe(404);
  });

  it('serve the metrics text uncompressed, even when gzip is asked for', async () => {
    const { call } = await setup({
      extras: {
        metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'dkron_x_total 1\n' }),
      },
    });
    const res = await call('GET', '/metrics', undefined, { 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.text).toBe('dkron_x_total 1\n');
    expect(res.headers.get('x-whom')).toBeTruthy();
  });

  it('serve the debug vars as JSON and document both routes', async () => {
    const { call } = await setup({
      extras: {
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        debugVars: async () => ({ node: 'n1', scheduler_started: true }),
      },
    });
    const res = await call('GET', '/debug/vars');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ node: 'n1', scheduler_started: true });
    const doc = (await call('GET', '/v1/openapi.json')).json as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/metrics', '/debug/vars']));
  });
});
