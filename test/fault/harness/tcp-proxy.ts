/**
 * A TCP proxy on loopback that a drill controls, put between a plain agent and its server: `cut()` drops
 * every connection through it and refuses new ones (a partition as the agent sees it: its gRPC
 * connection breaks and reconnects fail), `heal()` forwards again.
 */

import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll } from 'vitest';
import { freePort } from '../../e2e/helpers/index.js';

export interface TcpProxy {
  /** The port to give the agent instead of the server's. */
  readonly port: number;
  /** Connections accepted and forwarded so far. */
  readonly accepted: () => number;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

const open = new Set<TcpProxy>();
afterAll(async () => {
  await Promise.allSettled([...open].map((p) => p.close()));
});

/** Starts a proxy from a free loopback port to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let isCut = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const proxy: TcpProxy = {
    port,
    accepted: () => accepted,
    cut() {
      isCut = true;
      for (const s of sockets) s.destroy();
    },
    heal() {
      isCut = false;
    },
    async close() {
      open.delete(proxy);
      proxy.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(proxy);
  return proxy;
}
