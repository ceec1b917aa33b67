import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeServer } from '../lifecycle/close-server.js';

/** The API's listener while a joining server's store forms: every request gets 503 and what it waits for. */
export interface FormationGate {
  /** Sets what the 503 says. */
  status(why: string): void;
  /** Stops listening (the API takes the address over). Idempotent. */
  close(): Promise<void>;
}

/**
 * Listens on the API's address before the store exists, so clients and load balancers see why this
 * server does not serve yet instead of a refused connection.
 */
export function startFormationGate(
  listen: { hostname?: string; port: number },
  tls: { cert: Buffer; key: Buffer } | undefined,
): Promise<FormationGate> {
  let why = 'this server is starting: it has not joined the other servers yet';
  const server: Server = (tls ? createHttpsServer(tls) : createHttpServer()).on('request', (_req, res) => {
    const body = JSON.stringify({ message: why, code: 'UNAVAILABLE' });
    res.writeHead(503, {
      'content-type': 'application/json',
      'retry-after': '1',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  let closing: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.hostname, () => {
      server.off('error', reject);
      resolve({
        status(next) {
          why = next;
        },
        close() {
          closing ??= closeServer(server, 500);
          return closing;
        },
      });
    });
  });
}
