import { createServer, type Server, type Socket } from 'node:net';
import { createTestHost, describeExecutorContract } from '@dkron-core/plugin-testing';
import { afterAll, describe, expect, it } from 'vitest';
import { tcpCheckExecutor } from './index.js';

/** A local service: answers "PONG" to "PING", or says nothing at all (`silent`). */
async function service(
  silent = false,
): Promise<{ address: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data) => {
      if (!silent && data.toString().trim() === 'PING') socket.write('+PONG\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    connections: () => count,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// Top level: the contract suite is declared when the file is collected.
const ok = await service();
const silent = await service(true);
afterAll(async () => {
  await ok.close();
  await silent.close();
});

describe('tcp-check', () => {
  it('succeeds when the answer contains the expected text, and shows it', async () => {
    const harness = createTestHost();
    await harness.install(tcpCheckExecutor());
    const { result, context } = await harness.execute('tcp-check', {
      address: ok.address,
      send: 'PING',
      expect: 'PONG',
    });
    expect(result).toEqual({ success: true });
    expect(context.text()).toMatch(new RegExp(`^connected to ${ok.address} in \\d+ ms\\n\\+PONG\\r\\n$`));
  });

  it('fails past its timeout (a Dkron-style string value) when the answer never comes', async () => {
    const harness = createTestHost();
    await harness.install(tcpCheckExecutor());
    const { result } = await harness.execute('tcp-check', {
      address: silent.address,
      expect: 'PONG',
      timeout: '200ms',
    });
    expect(result).toEqual({ success: false, error: `no answer from ${silent.address} within 200 ms` });
  });

  it('refuses a bad address when the job is saved', async () => {
    const harness = createTestHost();
    await harness.install(tcpCheckExecutor());
    expect(() => harness.executor('tcp-check').config.parse({ address: 'nope' }, 'executor_config')).toThrow(
      'executor_config.address: expected a value matching',
    );
  });

  it('takes its executor name from the factory options', async () => {
    const harness = createTestHost();
    await harness.install(tcpCheckExecutor({ executorName: 'port-check' }));
    expect([...harness.executors.keys()]).toEqual(['port-check']);
  });
});

describeExecutorContract(tcpCheckExecutor(), 'tcp-check', {
  succeeding: { address: ok.address, send: 'PING', expect: 'PONG' },
  failing: { address: '127.0.0.1:1' },
  testOnly: {
    // A service that never answers keeps the check waiting; the suite aborts once it connected.
    slow: {
      config: { address: silent.address, expect: 'PONG', timeout: '60s' },
      running: async () => {
        while (silent.connections() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      },
    },
  },
});
