/**
 * The gcppubsub executor against the Publisher fixture (test/fixtures/pubsub-server.ts), or against the
 * real Pub/Sub emulator when PUBSUB_EMULATOR_HOST is set (then PUBSUB_PROJECT, default
 * `dkron-core-test`, and PUBSUB_TOPIC, default `dkron`, must exist there). What only the fixture can
 * show (the messages it received, a server that never answers, a refused publish) runs on it alone.
 */

import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { createTestHost, type TestHost } from '@dkron-core/plugin-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PubSubFixture, startPubSubFixture } from '../../../test/fixtures/pubsub-server.js';
import { pubsubExecutor } from './index.js';

// Never look for Google credentials or a metadata server in tests.
process.env.METADATA_SERVER_DETECTION = 'none';

const EMULATOR = process.env.PUBSUB_EMULATOR_HOST;
const PROJECT =
  EMULATOR === undefined ? 'dkron-core-test' : (process.env.PUBSUB_PROJECT ?? 'dkron-core-test');
const TOPIC = EMULATOR === undefined ? 'dkron' : (process.env.PUBSUB_TOPIC ?? 'dkron');
const full = (topic: string) => `projects/${PROJECT}/topics/${topic}`;

/** The protos that ship with the client, for the fixture. */
export const PUBSUB_PROTOS = createRequire(import.meta.url).resolve(
  '@google-cloud/pubsub/build/protos/protos.json',
);

let fixture: PubSubFixture | undefined;
let harness: TestHost;
let plugin: ReturnType<typeof pubsubExecutor>;

beforeAll(async () => {
  if (EMULATOR === undefined) {
    fixture = await startPubSubFixture(PUBSUB_PROTOS, {
      topics: [full('dkron')],
      denied: [full('secret')],
      hold: [full('stuck')],
    });
  }
  plugin = pubsubExecutor(fixture === undefined ? {} : { apiEndpoint: fixture.address });
  harness = createTestHost();
  await harness.install(plugin);
});
afterAll(async () => {
  await plugin?.close?.();
  await fixture?.close();
});

const run = (config: Record<string, unknown>, context = harness.createContext()) =>
  harness.execute('gcppubsub', config, context);
const fixtureOnly = EMULATOR === undefined ? it : it.skip;

describe('gcppubsub executor: publish', () => {
  it('publishes data and attributes; the output is the message id', async () => {
    const { result, context } = await run({
      project: PROJECT,
      topic: TOPIC,
      data: Buffer.from('hello pubsub').toString('base64'),
      attributes: '{"origin":"dkron","kind":"test"}',
    });
    expect(result).toEqual({ success: true });
    expect(context.text()).toMatch(/^\d+$/);
    if (fixture !== undefined) {
      expect(fixture.messages.at(-1)).toMatchObject({
        topic: full('dkron'),
        data: Buffer.from('hello pubsub'),
        attributes: { origin: 'dkron', kind: 'test' },
        messageId: context.text(),
      });
    }
  });

  it('publishes attributes alone (native object) with empty data', async () => {
    const { result } = await run({ project: PROJECT, topic: TOPIC, attributes: { only: 'attributes' } });
    expect(result.success).toBe(true);
    if (fixture !== undefined) {
      expect(fixture.messages.at(-1)).toMatchObject({
        data: Buffer.alloc(0),
        attributes: { only: 'attributes' },
      });
    }
  });
});

describe('gcppubsub executor: failures', () => {
  it('fails for a topic that does not exist', async () => {
    const { result } = await run({ project: PROJECT, topic: 'no-such-topic', data: 'aGk=' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      new RegExp(`^gcppubsub: projects/${PROJECT}/topics/no-such-topic: 5 NOT_FOUND`),
    );
  });

  fixtureOnly('fails with the server’s refusal', async () => {
    const { result } = await run({ project: PROJECT, topic: 'secret', data: 'aGk=' });
    expect(result).toEqual({
      success: false,
      error: `gcppubsub: ${full('secret')}: 7 PERMISSION_DENIED: User not authorized to perform this action.`,
    });
  });

  it('fails when the server is unreachable, within timeout', async () => {
    const closed = await closedPort();
    const unreachable = pubsubExecutor({ apiEndpoint: `127.0.0.1:${closed}` });
    const host = createTestHost();
    await host.install(unreachable);
    const { result } = await host.execute('gcppubsub', {
      project: PROJECT,
      topic: TOPIC,
      data: 'aGk=',
      timeout: '1s',
    });
    await unreachable.close?.();
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      new RegExp(`^gcppubsub: ${full(TOPIC)}: (timed out after 1s|.*(UNAVAILABLE|DEADLINE_EXCEEDED))`),
    );
  });

  fixtureOnly('honours timeout when the server does not answer', async () => {
    const arrived = fixture!.publishArrived(full('stuck'));
    const { result } = await run({ project: PROJECT, topic: 'stuck', data: 'aGk=', timeout: '300ms' });
    await arrived;
    expect(result).toEqual({ success: false, error: `gcppubsub: ${full('stuck')}: timed out after 300ms` });
  });

  fixtureOnly('stops when the execution is cancelled', async () => {
    const context = harness.createContext();
    const arrived = fixture!.publishArrived(full('stuck'));
    const running = run({ project: PROJECT, topic: 'stuck', data: 'aGk=' }, context);
    await arrived;
    context.controller.abort();
    expect((await running).result).toEqual({
      success: false,
      error: `gcppubsub: ${full('stuck')}: cancelled`,
    });
  });
});

describe('gcppubsub executor: config refused at save', () => {
  const parse = (config: Record<string, unknown>) => () =>
    harness.executor('gcppubsub').config.parse(config, 'executor_config');
  it.each([
    [{ topic: 't1', data: 'aGk=' }, 'executor_config.project: is required'],
    [{ project: 'my-project', data: 'aGk=' }, 'executor_config.topic: is required'],
    [{ project: 'My Project', topic: 'top', data: 'aGk=' }, 'executor_config.project: expected a project id'],
    [
      { project: 'my-project', topic: 'projects/p/topics/t', data: 'aGk=' },
      'executor_config.topic: expected a topic id',
    ],
    [{ project: 'my-project', topic: 'top' }, 'executor_config.data: data or attributes is required'],
    [
      { project: 'my-project', topic: 'top', data: 'not base64!' },
      'executor_config.data: expected base64 data',
    ],
    [
      { project: 'my-project', topic: 'top', attributes: '{"a":1}' },
      'executor_config.attributes: the value of "a" is not a string',
    ],
    [
      { project: 'my-project', topic: 'top', attributes: '[1]' },
      'executor_config.attributes: expected a JSON object',
    ],
    [
      { project: 'my-project', topic: 'top', data: 'aGk=', timeout: 'x' },
      'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds',
    ],
    [
      { project: 'my-project', topic: 'top', data: 'aGk=', timeout: -1 },
      'executor_config.timeout: expected a duration of at least 0 ms',
    ],
    [{ project: 'my-project', topic: 'top', data: 'aG k=' }, 'executor_config.data: expected base64 data'],
    [{ project: 'my-project', topic: 'top', data: 12 }, 'executor_config.data: expected base64 data, got 12'],
    [
      { project: 'my-project', topic: 'top', attributes: { '': 'x' } },
      'executor_config.attributes: an attribute name is empty',
    ],
  ])('%j → %s', (config, message) => {
    expect(parse(config)).toThrow(message);
  });

  it('takes a native JSON number of seconds and a native attributes object, as their Dkron strings', () => {
    const base = { project: 'my-project', topic: 'top', data: 'aGk=' };
    const native = parse({ ...base, timeout: 20, attributes: { a: 'b' } })();
    expect(native).toEqual(parse({ ...base, timeout: '20', attributes: '{"a":"b"}' })());
    expect(native).toMatchObject({ timeout: 20_000, attributes: { a: 'b' } });
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
