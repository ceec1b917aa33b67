/**
 * The lease's own client: a renew whose HTTP request is never answered is retried within the lease
 * (a request times out after LEASE_REQUEST_TIMEOUT_MS), while the store's other calls keep their own
 * longer deadline. A proxy in front of a real rqlited swallows the first renew.
 */

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRqliteStore, LEASE_DEADLINE_MS, LEASE_REQUEST_TIMEOUT_MS } from './rqlite-store.js';
import { startTestRqlite, type TestRqlite } from './test-support/helpers.js';

let rqlite: TestRqlite;
let proxy: Server;
let proxyUrl: string;
/** Renew requests (bodies naming `UPDATE leader SET expires_at = max`) the proxy swallows. */
let swallow = 0;
let swallowed = 0;

beforeAll(async () => {
  rqlite = await startTestRqlite();
  const target = new URL(rqlite.rqlite.url);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (swallow > 0 && body.toString().includes('UPDATE leader SET expires_at = max')) {
        swallow--;
        swallowed++;
        return; // never answered: the client's request timeout must end it
      }
      const forward = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await rqlite?.cleanup();
});

describe('the lease client', () => {
  it('retries a renew left unanswered instead of waiting out the store deadline', async () => {
    const store = await createRqliteStore({ url: proxyUrl, credentials: rqlite.rqlite.credentials });
    try {
      const taken = await store.acquireLease('s1', 3_000, Date.now());
      expect(taken.holder).toBe('s1');
      swallow = 1;
      const started = Date.now();
      const renewed = await store.renewLease('s1', taken.epoch, 3_000, Date.now());
      const tookMs = Date.now() - started;
      expect(swallowed).toBe(1);
      expect(renewed?.holder).toBe('s1');
      expect(renewed?.epoch).toBe(taken.epoch);
      // One request timed out, the retry answered: well within the lease call's deadline.
      expect(tookMs).toBeGreaterThanOrEqual(LEASE_REQUEST_TIMEOUT_MS - 50);
      expect(tookMs).toBeLessThan(LEASE_DEADLINE_MS + 1_000);
    } finally {
      await store.close();
    }
  }, 30_000);
});
