/**
 * The nats executor against this machine's NATS server (JetStream on, NATS_URL, default :4222) and
 * against nats-servers of its own for credentials and permissions.
 */

import { randomUUID } from 'node:crypto';
import { natsExecutor } from '@dkron-core/executor-nats';
import { createTestHost, describeExecutorContract, type TestHost } from '@dkron-core/plugin-testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlackHole,
  closedPort,
  freePort,
  type Spawned,
  startBlackHole,
  startNatsServer,
} from './helpers.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SECRET = `s3cret-${randomUUID()}`;

let harness: TestHost;
let plugin: ReturnType<typeof natsExecutor>;
let peer: NatsConnection;
let secured: Spawned;
// Top level: the contract suite below is declared before any hook runs.
const hole: BlackHole = await startBlackHole();
let monitorPort: number;

beforeAll(async () => {
  plugin = natsExecutor({ idleMs: 60_000 });
  harness = createTestHost();
  await harness.install(plugin);
  peer = await connect({ servers: NATS_URL });
  monitorPort = await freePort();
  secured = await startNatsServer(
    `http: "127.0.0.1:${monitorPort}"\nauthorization { users = [ { user: alice, password: "${SECRET}", permissions: { publish: "allowed.>", subscribe: ">" } } ] }\n`,
  );
});

afterAll(async () => {
  await plugin?.close?.();
  await peer?.close();
  await secured?.stop();
  await hole?.close();
});

/** Collects the next message on `subject`, subscribed before `act` runs. */
async function received(connection: NatsConnection, subject: string, act: () => Promise<unknown>) {
  const sub = connection.subscribe(subject, { max: 1 });
  await connection.flush();
  const [, messages] = await Promise.all([
    act(),
    (async () => {
      const out: string[] = [];
      for await (const m of sub) out.push(m.string());
      return out;
    })(),
  ]);
  return messages;
}

function logsText(): string {
  return JSON.stringify(harness.logs);
}

describe('nats executor: publishing', () => {
  it('publishes the message to the subject and reports it as Dkron does', async () => {
    const subject = `dkron.test.${randomUUID()}`;
    let outcome: Awaited<ReturnType<TestHost['execute']>> | undefined;
    const messages = await received(peer, subject, async () => {
      outcome = await harness.execute('nats', { url: NATS_URL, subject, message: 'hello from dkron' });
    });
    expect(messages).toEqual(['hello from dkron']);
    expect(outcome?.result).toEqual({ success: true });
    expect(outcome?.context.text()).toBe('Result: Message successfully sent\n');
  });

  it('takes a comma-separated server list (Dkron) and the first reachable server', async () => {
    const subject = `dkron.test.${randomUUID()}`;
    const down = await closedPort();
    const messages = await received(peer, subject, () =>
      harness.execute('nats', { url: `nats://127.0.0.1:${down},${NATS_URL}`, subject, message: 'm' }),
    );
    expect(messages).toEqual(['m']);
  });

  it('publishes through JetStream and reports the stream and sequence of the acknowledgement', async () => {
    const stream = `DKRON_TEST_${randomUUID().replaceAll('-', '')}`;
    const subject = `dkron.js.${stream}`;
    const jsm = await peer.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [subject] });
    try {
      const first = await harness.execute('nats', {
        url: NATS_URL,
        subject,
        message: 'one',
        jetstream: 'true',
      });
      const second = await harness.execute('nats', {
        url: NATS_URL,
        subject,
        message: 'two',
        jetstream: true,
      });
      expect(first.result).toEqual({ success: true });
      expect(first.context.text()).toBe(
        `Result: Message successfully sent to stream ${stream} (sequence 1)\n`,
      );
      expect(second.context.text()).toBe(
        `Result: Message successfully sent to stream ${stream} (sequence 2)\n`,
      );
      const info = await jsm.streams.info(stream);
      expect(info.state.messages).toBe(2);
      const stored = await jsm.streams.getMessage(stream, { seq: 2 });
      expect(new TextDecoder().decode(stored.data)).toBe('two');
    } finally {
      await jsm.streams.delete(stream);
    }
  });

  it('fails a JetStream publish that no stream captures', async () => {
    const { result } = await harness.execute('nats', {
      url: NATS_URL,
      subject: `dkron.nostream.${randomUUID()}`,
      jetstream: 'true',
    });
    expect(result).toEqual({
      success: false,
      error: expect.stringMatching(
        /^error publishing to NATS subject "dkron\.nostream\.[^"]+": no JetStream stream captures the subject/,
      ),
    });
  });

  it('reuses its connection between runs of one job', async () => {
    const url = `nats://127.0.0.1:${secured.port}`;
    const creds = { userName: 'alice', password: SECRET };
    const before = await connectionCount();
    for (let i = 0; i < 5; i++) {
      const { result } = await harness.execute('nats', {
        url,
        subject: 'allowed.reuse',
        message: String(i),
        ...creds,
      });
      expect(result).toEqual({ success: true });
    }
    expect(await connectionCount()).toBe(before + 1);
  });
});

/** Client connections the secured server has open (its monitoring endpoint). */
async function connectionCount(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${monitorPort}/connz`);
  return ((await res.json()) as { num_connections: number }).num_connections;
}

describe('nats executor: failures', () => {
  it("fails when the server is unreachable, with Dkron's message", async () => {
    const port = await closedPort();
    const { result } = await harness.execute('nats', { url: `nats://127.0.0.1:${port}`, subject: 'a.b' });
    expect(result).toMatchObject({
      success: false,
      error: expect.stringMatching(/^error connecting to NATS: /),
    });
  });

  it('fails a publish the server refuses (Dkron ignored publish errors)', async () => {
    const { result } = await harness.execute('nats', {
      url: `nats://127.0.0.1:${secured.port}`,
      subject: 'denied.subject',
      userName: 'alice',
      password: SECRET,
    });
    expect(result).toEqual({
      success: false,
      error:
        'error publishing to NATS subject "denied.subject": permissions violation: the user may not publish to it',
    });
    const allowed = await harness.execute('nats', {
      url: `nats://127.0.0.1:${secured.port}`,
      subject: 'allowed.subject',
      userName: 'alice',
      password: SECRET,
    });
    expect(allowed.result).toEqual({ success: true });
  });

  it('fails on wrong credentials without showing the password anywhere', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const { result, context } = await harness.execute('nats', {
      url: `nats://alice:${wrong}@127.0.0.1:${secured.port}`,
      subject: 'allowed.x',
      debug: 'true',
    });
    expect(result).toMatchObject({
      success: false,
      error: expect.stringMatching(/^error connecting to NATS: .*Authorization/i),
    });
    for (const text of [result.error ?? '', context.text(), logsText()]) expect(text).not.toContain(wrong);
    expect(context.text()).toContain(`nats://alice:***@127.0.0.1:${secured.port}`);
  });

  it('never shows the password key in output or logs, debug included', async () => {
    const { result, context } = await harness.execute('nats', {
      url: `nats://127.0.0.1:${secured.port}`,
      subject: 'allowed.debug',
      userName: 'alice',
      password: SECRET,
      debug: 'true',
    });
    expect(result).toEqual({ success: true });
    expect(context.text()).toMatch(/^Config: \{.*"password":"\*\*\*"/);
    for (const text of [context.text(), logsText()]) expect(text).not.toContain(SECRET);
  });

  it('fails when the server does not answer within timeout', async () => {
    const started = performance.now();
    const { result } = await harness.execute('nats', {
      url: `nats://127.0.0.1:${hole.port}`,
      subject: 'a.b',
      timeout: '300ms',
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      /^(timed out after 300ms connecting to NATS|error connecting to NATS: TIMEOUT)/,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('stops waiting when its signal aborts (timeout, cancel, shutdown)', async () => {
    const context = harness.createContext();
    const running = harness.execute(
      'nats',
      { url: `nats://127.0.0.1:${hole.port}`, subject: 'a.b' },
      context,
    );
    await hole.accepted();
    context.controller.abort();
    const { result } = await running;
    expect(result).toEqual({ success: false, error: 'cancelled while connecting to NATS' });
  });

  it.each([
    [{ subject: 'a.b' }, 'executor_config.url: is required (a string)'],
    [{ url: 'http://x/y', subject: 'a.b' }, 'executor_config.url: expected a value matching'],
    [{ url: NATS_URL }, 'executor_config.subject: is required (a string)'],
    [{ url: NATS_URL, subject: 'a.*' }, 'executor_config.subject: expected a value matching'],
    [{ url: NATS_URL, subject: 'a..b' }, 'executor_config.subject: expected a value matching'],
    [
      { url: NATS_URL, subject: 'a', jetstream: 'yes' },
      'executor_config.jetstream: expected a boolean, got "yes"',
    ],
    [{ url: NATS_URL, subject: 'a', timeout: 'soon' }, 'executor_config.timeout: expected a duration'],
  ])('refuses the bad config %j when the job is saved', (config, message) => {
    expect(() => harness.executor('nats').config.parse(config, 'executor_config')).toThrow(message);
  });
});

describeExecutorContract(natsExecutor(), 'nats', {
  succeeding: { url: NATS_URL, subject: 'dkron.contract.ok', message: 'contract' },
  failing: { url: 'nats://127.0.0.1:1', subject: 'dkron.contract.fail' },
  // A server that accepts and never answers: the run hangs in connect until it is aborted.
  slow: { url: `nats://127.0.0.1:${hole.port}`, subject: 'dkron.contract.slow' },
});
