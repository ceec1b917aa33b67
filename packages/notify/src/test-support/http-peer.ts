/** A real `node:http` listener on a free loopback port that records every request (tests only). */

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received request. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A running HTTP peer. */
export interface HttpPeer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly requests: readonly ReceivedRequest[];
  /** Resolves once `count` requests arrived. */
  waitFor(count: number): Promise<readonly ReceivedRequest[]>;
  close(): Promise<void>;
}

/** What the peer does with the n-th request: answer a status, or never answer. */
export type Reply = number | 'hang';

/**
 * Starts a listener on 127.0.0.1. It answers the statuses of `replies` in order, then `fallback`
 * (200 unless given) to every further request.
 */
export async function startHttpPeer(
  replies: readonly Reply[] = [],
  fallback: Reply = 200,
): Promise<HttpPeer> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = replies[requests.length] ?? fallback;
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      for (const wake of waiters.splice(0)) wake();
      if (reply === 'hang') return;
      res.writeHead(reply, { 'Content-Type': 'text/plain' }).end(`status ${reply}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(count) {
      while (requests.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return requests;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nobody listens on: connections to it are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
