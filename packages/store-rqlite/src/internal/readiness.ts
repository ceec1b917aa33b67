import { createServer } from 'node:net';
import { request } from 'undici';
import { sleep } from './backoff.js';

/** Resolves when `host:port` can be bound, rejects with the bind error (e.g. `EADDRINUSE`) otherwise. */
export function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** True when rqlited answers `GET /readyz` with 200 (node, leader and store ok). */
async function isReady(url: string, authorization: string | undefined): Promise<boolean> {
  try {
    const response = await request(`${url}/readyz`, {
      headersTimeout: 1_000,
      bodyTimeout: 1_000,
      ...(authorization ? { headers: { authorization } } : {}),
    });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

/**
 * Polls `/readyz` with a short, growing interval until it answers 200, `gaveUp` settles, or the deadline
 * passes. There is no event to wait for: readiness is only observable over HTTP. `authorization` is the
 * header an rqlited started with `-auth` needs (its `/readyz` asks for credentials too).
 * @returns `true` when ready, `false` at the deadline or when `gaveUp` settled first.
 */
export async function waitForReady(
  url: string,
  deadline: number,
  gaveUp: Promise<unknown>,
  authorization?: string,
): Promise<boolean> {
  let stop = false;
  void gaveUp.then(
    () => {
      stop = true;
    },
    () => {
      stop = true;
    },
  );
  let interval = 10;
  while (!stop && Date.now() < deadline) {
    if (await isReady(url, authorization)) return !stop;
    await Promise.race([
      sleep(Math.min(interval, Math.max(0, deadline - Date.now()))),
      gaveUp.catch(() => {}),
    ]);
    interval = Math.min(200, interval * 1.5);
  }
  return false;
}
