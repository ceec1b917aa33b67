/**
 * The fluent processor against a peer speaking the Forward protocol (test/fixtures/forward-server.ts),
 * and against a real Fluent Bit or Fluentd when FLUENT_ADDR (host:port of its forward input) is set.
 */

import { createTestExecution, createTestHost, describeProcessorContract } from '@dkron-core/plugin-testing';
import { FLUENT_PLACEHOLDER, fluentProcessor } from '@dkron-core/processor-fluent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ForwardServer, startForwardServer } from '../fixtures/forward-server.js';
import { closedPort, startBlackHole } from './helpers.js';

let peer: ForwardServer;
beforeAll(async () => {
  peer = await startForwardServer();
});
afterAll(async () => {
  await peer?.close();
});

const run = createTestExecution({
  success: true,
  status: 'success',
  output: 'line 1\nline 2\n',
  finished_at: '2024-01-02T03:04:06.250Z',
});

async function installed(options: Parameters<typeof fluentProcessor>[0]) {
  const harness = createTestHost({ nodeName: 'leader-1' });
  await harness.install(fluentProcessor(options));
  return harness;
}

describe('fluent processor', () => {
  it('sends Dkron’s record with the tag and an EventTime, waits for the ack, stores the placeholder', async () => {
    const harness = await installed({ port: peer.port, tag: 'jobs.dkron' });
    const before = peer.events.length;
    const stored = await harness.process('fluent', run, {});
    expect(stored).toEqual({ ...run, output: FLUENT_PLACEHOLDER });
    const event = peer.events[before];
    expect(event).toMatchObject({
      tag: 'jobs.dkron',
      eventTime: true,
      timeMs: Date.parse('2024-01-02T03:04:06.250Z'),
      chunk: expect.any(String),
      record: {
        host: 'test-node',
        job_name: 'test-job',
        message: 'line 1\nline 2\n',
        execution_id: run.id,
        success: true,
        reporting_node: 'leader-1',
      },
    });
  });

  it('keeps the output with forward', async () => {
    const harness = await installed({ port: peer.port });
    expect(await harness.process('fluent', run, { forward: 'true' })).toBe(run);
  });

  it("takes host, port and tag from Dkron's FLUENTBIT_* variables when the options do not say", async () => {
    const harness = await installed({
      env: { FLUENTBIT_HOST: '127.0.0.1', FLUENTBIT_PORT: String(peer.port), FLUENTBIT_TAG: 'from.env' },
    });
    const before = peer.events.length;
    await harness.process('fluent', run, {});
    expect(peer.events[before]?.tag).toBe('from.env');
    // Options win over the environment.
    expect(
      (await import('@dkron-core/processor-fluent')).fluentTarget({
        tag: 'opt',
        env: { FLUENTBIT_TAG: 'env' },
      }).tag,
    ).toBe('opt');
  });

  it('refuses a bad port at start', async () => {
    await expect(installed({ env: { FLUENTBIT_PORT: 'abc' } })).rejects.toThrow(
      'fluent: port must be 1-65535, got "abc" (option port or FLUENTBIT_PORT)',
    );
  });

  it('fails (so the runner keeps the output) when the server never acknowledges', async () => {
    const silent = await startForwardServer('no-ack');
    try {
      const harness = await installed({ port: silent.port, timeoutMs: 300 });
      await expect(harness.process('fluent', run, {})).rejects.toThrow(
        `no acknowledgement from 127.0.0.1:${silent.port} within 300 ms`,
      );
      expect(silent.events).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });

  it('fails on a wrong ack and on a closed connection', async () => {
    const wrong = await startForwardServer('wrong-ack');
    const closing = await startForwardServer('close');
    try {
      await expect((await installed({ port: wrong.port })).process('fluent', run, {})).rejects.toThrow(
        /acknowledged "not-your-chunk", expected/,
      );
      await expect((await installed({ port: closing.port })).process('fluent', run, {})).rejects.toThrow(
        `127.0.0.1:${closing.port} closed the connection without acknowledging`,
      );
    } finally {
      await wrong.close();
      await closing.close();
    }
  });

  it('fails when nothing listens', async () => {
    const port = await closedPort();
    await expect((await installed({ port })).process('fluent', run, {})).rejects.toThrow(
      new RegExp(`^cannot send to 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
  });

  it('stops at shutdown (its signal) while waiting', async () => {
    const hole = await startBlackHole();
    try {
      const harness = await installed({ port: hole.port, timeoutMs: 60_000 });
      const processor = harness.processor('fluent');
      const controller = new AbortController();
      const pending = processor.process(run, {
        config: processor.config.parse({}),
        job: { ...(await import('@dkron-core/plugin-testing')).createTestJob() },
        reportingNode: 'n',
        logger: harness.host.logger,
        signal: controller.signal,
      } as Parameters<typeof processor.process>[1]);
      await hole.accepted();
      controller.abort();
      await expect(pending).rejects.toThrow(`cancelled while sending to 127.0.0.1:${hole.port}`);
    } finally {
      await hole.close();
    }
  });
});

describe.runIf(process.env.FLUENT_ADDR)(
  'fluent processor against a real Fluent Bit / Fluentd (FLUENT_ADDR)',
  () => {
    it('is acknowledged', async () => {
      const [host, port] = (process.env.FLUENT_ADDR as string).split(':');
      const harness = await installed({ host: host as string, port: Number(port), tag: 'dkron.test' });
      expect((await harness.process('fluent', run, {})).output).toBe(FLUENT_PLACEHOLDER);
    });
  },
);

const contractPeer = await startForwardServer();
describeProcessorContract(fluentProcessor({ port: contractPeer.port }), 'fluent', { forward: 'false' });
afterAll(() => contractPeer.close());
