/**
 * Closing the HTTP server at shutdown without letting a client hold it: `server.close()` alone waits for
 * every request in progress, so one client that sent its headers and never finished its body kept the
 * agent from stopping until the forced exit.
 */

import type { Server } from 'node:http';

/** How long requests in progress may finish at shutdown before their connections are closed. */
export const HTTP_CLOSE_GRACE_MS = 3_000;

/**
 * Stops `server` taking connections and resolves once it is closed: idle keep-alive connections go at
 * once, requests in progress get `graceMs` to finish, then every connection left (a stalled upload, a
 * slow reader) is destroyed.
 */
export function closeServer(
  server: Pick<Server, 'close' | 'closeIdleConnections' | 'closeAllConnections'>,
  graceMs: number,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A keep-alive connection whose request ends during the grace becomes idle: close it then too.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  idle.unref();
  timer.unref();
  return closed.finally(() => {
    clearInterval(idle);
    clearTimeout(timer);
  });
}
