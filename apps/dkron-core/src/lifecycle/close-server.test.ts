import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer } from './close-server.js';

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.closeAllConnections();
});

/** A server that reads each request body to the end before answering. */
async function startServer(): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests: () => requests };
}

/** A client that sends its headers and the start of a body, then nothing: resolves once the server has it. */
async function stalledClient(port: number, requests: () => number): Promise<{ closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na',
  );
  while (requests() === 0) await new Promise((r) => setTimeout(r, 5));
  return { closed };
}

describe('closeServer', () => {
  it('closes a stalled client after the grace instead of waiting for it (server.close alone never resolves)', async () => {
    const { server, port, requests } = await startServer();
    const client = await stalledClient(port, requests);
    let closedAlone = false;
    // What the agent used to do: this would wait for the stalled body for ever.
    const alone = new Promise<void>((resolve) => {
      setTimeout(resolve, 300);
    });
    server.close(() => {
      closedAlone = true;
    });
    await alone;
    expect(closedAlone).toBe(false);

    const started = Date.now();
    await closeServer(server, 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await client.closed;
    expect(closedAlone).toBe(true);
  });

  it('lets a request in progress finish within the grace', async () => {
    const { server, port, requests } = await startServer();
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
    while (requests() === 0) await new Promise((r) => setTimeout(r, 5));
    const closing = closeServer(server, 5_000);
    socket.write('cd');
    await closing;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer.endsWith('ok')).toBe(true);
  });

  it('closes idle keep-alive connections at once', async () => {
    const { server, port } = await startServer();
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' });
    expect(await response.text()).toBe('ok');
    const started = Date.now();
    await closeServer(server, 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
