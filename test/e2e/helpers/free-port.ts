import { createServer } from 'node:net';

/** Ports handed out by this process, so two helpers never get the same one. */
const given = new Set<number>();

/**
 * A TCP port free on 127.0.0.1 right now. The OS may reuse a port it just released, so ports
 * already returned in this process are skipped.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const found = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(found));
      });
    });
    if (port !== 0 && !given.has(port)) {
      given.add(port);
      return port;
    }
  }
  throw new Error('freePort: no new free port after 50 attempts');
}
