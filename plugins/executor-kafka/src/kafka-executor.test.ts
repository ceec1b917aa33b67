/**
 * The kafka executor against the Kafka wire-protocol fixture (test/fixtures/kafka), or against a real
 * broker when KAFKA_BROKERS is set (then KAFKA_TOPIC names an existing topic, default `dkron-core-test`,
 * and KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD / KAFKA_SASL_MECHANISM an account for the SASL cases).
 * What only a fixture can show (the records it received, a broker that never answers) runs on the
 * fixture alone.
 */

import { createServer } from 'node:net';
import { createTestHost, type TestHost } from '@dkron-core/plugin-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaErrors, type KafkaFixture, startKafkaFixture } from '../../../test/fixtures/kafka/broker.js';
import { makeTestCa, type TestCa } from '../../../test/fixtures/tls/make-ca.js';
import { kafkaExecutor } from './index.js';

const REAL = process.env.KAFKA_BROKERS;
const USERS = { alice: 'al1ce-secret', bob: 'b0b-secret' };

let harness: TestHost;
let plain: KafkaFixture | undefined;
let brokers: string;
let topic: string;

beforeAll(async () => {
  // The client takes seconds to load on a busy machine; the executor loads it at its first run.
  await import('@platformatic/kafka');
  harness = createTestHost();
  await harness.install(kafkaExecutor({ retries: 1 }));
  if (REAL === undefined) {
    plain = await startKafkaFixture({
      topics: {
        dkron: {},
        wide: { partitions: 3 },
        denied: { produceError: KafkaErrors.TOPIC_AUTHORIZATION_FAILED },
        stuck: { hold: true },
      },
    });
    brokers = plain.address;
    topic = 'dkron';
  } else {
    brokers = REAL;
    topic = process.env.KAFKA_TOPIC ?? 'dkron-core-test';
  }
}, 60_000);
afterAll(async () => {
  await plain?.close();
});

const run = (config: Record<string, unknown>, context = harness.createContext()) =>
  harness.execute('kafka', config, context);

const fixtureOnly = REAL === undefined ? it : it.skip;

describe('kafka executor: produce', () => {
  it('produces the message with its key, acks=all, and reports where it went', async () => {
    const key = `key-${Date.now()}`;
    const { result, context } = await run({ brokerAddress: brokers, topic, key, message: 'hello kafka' });
    expect(result).toEqual({ success: true });
    expect(context.text()).toMatch(
      new RegExp(
        `^Result: successfully produced the message on Kafka broker\\ntopic ${topic}, partition \\d+, offset \\d+\\n$`,
      ),
    );
    if (plain !== undefined) {
      const record = plain.records.find((r) => r.key === key);
      expect(record).toMatchObject({
        topic: 'dkron',
        partition: 0,
        value: 'hello kafka',
        acks: -1,
        clientId: 'dkron',
      });
      expect(plain.violations).toEqual([]);
    }
  });

  fixtureOnly('sends no key when key is empty, and an empty value when message is', async () => {
    const before = plain!.records.length;
    const { result } = await run({ brokerAddress: brokers, topic: 'wide' });
    expect(result.success).toBe(true);
    expect(plain!.records.slice(before)).toEqual([
      expect.objectContaining({ topic: 'wide', key: null, value: '' }),
    ]);
  });

  fixtureOnly('tries every bootstrap broker of the list', async () => {
    const closed = await closedPort();
    const { result } = await run({
      brokerAddress: `127.0.0.1:${closed}, ${brokers}`,
      topic,
      message: 'second broker',
    });
    expect(result.success).toBe(true);
    expect(plain!.records.at(-1)?.value).toBe('second broker');
  });
});

describe('kafka executor: failures', () => {
  it('fails when no broker is reachable', async () => {
    const closed = await closedPort();
    const { result } = await run({ brokerAddress: `127.0.0.1:${closed}`, topic, timeout: '10s' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(new RegExp(`^kafka: topic ${topic}: .*(ECONNREFUSED|connect)`, 'i'));
  });

  fixtureOnly('fails with the broker’s error for a refused produce', async () => {
    const { result } = await run({ brokerAddress: brokers, topic: 'denied', message: 'x' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^kafka: topic denied: .*(authoriz|TOPIC_AUTHORIZATION_FAILED)/i);
  });

  fixtureOnly('fails for a topic the cluster does not have', async () => {
    const { result } = await run({
      brokerAddress: brokers,
      topic: 'no-such-topic',
      message: 'x',
      timeout: '5s',
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^kafka: topic no-such-topic: /);
  });

  fixtureOnly('honours timeout when the broker does not answer', async () => {
    const arrived = plain!.produceArrived('stuck');
    const { result } = await run({ brokerAddress: brokers, topic: 'stuck', message: 'x', timeout: '300ms' });
    await arrived;
    expect(result).toEqual({ success: false, error: 'kafka: topic stuck: timed out after 300ms' });
  });

  fixtureOnly('stops when the execution is cancelled', async () => {
    const context = harness.createContext();
    const arrived = plain!.produceArrived('stuck');
    const running = run({ brokerAddress: brokers, topic: 'stuck', message: 'x' }, context);
    await arrived;
    context.controller.abort();
    expect((await running).result).toEqual({ success: false, error: 'kafka: topic stuck: cancelled' });
  });
});

describe('kafka executor: config refused at save', () => {
  const parse = (config: Record<string, unknown>) => () =>
    harness.executor('kafka').config.parse(config, 'executor_config');
  it.each([
    [{ topic: 't' }, 'executor_config.brokerAddress: is required'],
    [
      { brokerAddress: 'localhost', topic: 't' },
      'executor_config.brokerAddress: "localhost" is not a host:port address',
    ],
    [{ brokerAddress: 'a:9092,b:99999', topic: 't' }, 'executor_config.brokerAddress: "b:99999" is not'],
    [{ brokerAddress: 'a:9092' }, 'executor_config.topic: is required'],
    [{ brokerAddress: 'a:9092', topic: 'bad topic' }, 'executor_config.topic: expected a Kafka topic name'],
    [
      { brokerAddress: 'a:9092', topic: 't', tlsEnable: 'yes' },
      'executor_config.tlsEnable: expected a boolean',
    ],
    [
      { brokerAddress: 'a:9092', topic: 't', saslUsername: 'u' },
      'executor_config.saslPassword: is required with saslUsername',
    ],
    [
      { brokerAddress: 'a:9092', topic: 't', saslUsername: 'u', saslPassword: 'p' },
      'executor_config.saslMechanism: is required',
    ],
    [
      { brokerAddress: 'a:9092', topic: 't', saslUsername: 'u', saslPassword: 'p', saslMechanism: 'md5' },
      'executor_config.saslMechanism: invalid SASL mechanism "md5", must be \'plain\'',
    ],
    [
      { brokerAddress: 'a:9092', topic: 't', timeout: 'later' },
      'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds',
    ],
    [
      { brokerAddress: 'a:9092,', topic: 't' },
      'executor_config.brokerAddress: "" is not a host:port address',
    ],
    [{ brokerAddress: 9092, topic: 't' }, 'executor_config.brokerAddress: expected "host:port,host:port"'],
    [{ brokerAddress: 'a:9092', topic: 't', timeout: -5 }, 'executor_config.timeout: expected a duration of'],
    [
      { brokerAddress: 'a:9092', topic: 't', saslUsername: 'u', saslPassword: 'p', saslMechanism: 'Sha512' },
      'executor_config.saslMechanism: invalid SASL mechanism "Sha512"',
    ],
    [
      { brokerAddress: 'a:9092', topic: 't', message: 42 },
      'executor_config.message: expected a string, got 42',
    ],
  ])('%j → %s', (config, message) => {
    expect(parse(config)).toThrow(message);
  });

  it("accepts Dkron's string values and mechanism names", () => {
    expect(
      parse({
        brokerAddress: 'a:9092, [::1]:9093',
        topic: 't.x-1',
        tlsEnable: 'true',
        saslUsername: 'u',
        saslPassword: 'p',
        saslMechanism: 'sha512',
      })(),
    ).toMatchObject({
      brokerAddress: [
        { host: 'a', port: 9092 },
        { host: '::1', port: 9093 },
      ],
      tlsEnable: true,
      saslMechanism: 'SCRAM-SHA-512',
      timeout: 30_000,
    });
  });

  it('takes native JSON numbers and booleans where Dkron means a number or a switch', () => {
    const base = { brokerAddress: 'a:9092', topic: 't' };
    const native = parse({
      ...base,
      timeout: 30,
      tlsEnable: true,
      tlsInsecureSkipVerify: false,
      debug: true,
    })();
    const dkron = parse({
      ...base,
      timeout: '30',
      tlsEnable: 'true',
      tlsInsecureSkipVerify: 'false',
      debug: 'on',
    })();
    expect(native).toEqual(dkron);
    expect(native).toMatchObject({ timeout: 30_000, tlsEnable: true, debug: true });
    expect(parse({ ...base, debug: 'false' })()).toMatchObject({ debug: false });
  });
});

describe('kafka executor: SASL', () => {
  let sasl: KafkaFixture | undefined;
  let saslBrokers: string;
  const real =
    REAL === undefined
      ? undefined
      : {
          username: process.env.KAFKA_SASL_USERNAME,
          password: process.env.KAFKA_SASL_PASSWORD,
          mechanism: process.env.KAFKA_SASL_MECHANISM,
        };
  const saslIt = REAL === undefined || real?.username ? it : it.skip;
  beforeAll(async () => {
    if (REAL === undefined) {
      sasl = await startKafkaFixture({
        sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], users: USERS },
      });
      saslBrokers = sasl.address;
    } else saslBrokers = REAL;
  });
  afterAll(async () => {
    await sasl?.close();
  });

  const mechanisms =
    REAL === undefined ? ['plain', 'sha256', 'sha512', 'SCRAM-SHA-512'] : [real?.mechanism ?? 'sha512'];
  it.each(mechanisms)('authenticates with %s before producing', async (mechanism) => {
    if (REAL !== undefined && !real?.username) return;
    const credentials =
      REAL === undefined
        ? { saslUsername: 'alice', saslPassword: USERS.alice }
        : { saslUsername: real?.username, saslPassword: real?.password };
    const { result } = await run({
      brokerAddress: saslBrokers,
      topic,
      message: `via ${mechanism}`,
      saslMechanism: mechanism,
      ...credentials,
    });
    expect(result).toEqual({ success: true });
    if (sasl !== undefined) {
      expect(sasl.records.at(-1)).toMatchObject({ value: `via ${mechanism}`, user: 'alice' });
      const expected =
        { plain: 'PLAIN', sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' }[mechanism] ?? mechanism;
      expect(sasl.saslAttempts.at(-1)).toEqual({ mechanism: expected, user: 'alice', ok: true });
    }
  });

  saslIt('fails on a wrong password and shows the password nowhere', async () => {
    const secret = 'definitely-wrong-pw';
    const { result, context } = await run({
      brokerAddress: saslBrokers,
      topic,
      saslUsername: REAL === undefined ? 'bob' : real?.username,
      saslPassword: secret,
      saslMechanism: REAL === undefined ? 'sha256' : real?.mechanism,
      debug: 'true',
      timeout: '10s',
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^kafka: topic [^:]+: .*(auth|SASL)/i);
    const everything = JSON.stringify(result) + context.text() + JSON.stringify(harness.logs);
    expect(context.text()).toContain('"saslPassword":"[redacted]"');
    expect(everything).not.toContain(secret);
    if (sasl !== undefined)
      expect(sasl.saslAttempts.at(-1)).toMatchObject({ mechanism: 'SCRAM-SHA-256', user: 'bob', ok: false });
  });

  it.skipIf(REAL !== undefined)(
    'refuses to produce before authenticating: without credentials the broker closes',
    async () => {
      const { result } = await run({ brokerAddress: saslBrokers, topic, timeout: '3s' });
      expect(result.success).toBe(false);
      expect(sasl!.records).not.toContainEqual(expect.objectContaining({ user: undefined }));
    },
  );
});

describe.skipIf(REAL !== undefined)('kafka executor: TLS', () => {
  let ca: TestCa;
  let tls: KafkaFixture;
  beforeAll(async () => {
    ca = makeTestCa();
    tls = await startKafkaFixture({ tls: { cert: ca.serverCert, key: ca.serverKey } });
  });
  afterAll(async () => {
    await tls?.close();
    ca?.remove();
  });

  it('refuses a broker certificate of an unknown CA', async () => {
    const { result } = await run({ brokerAddress: tls.address, topic, tlsEnable: 'true', timeout: '5s' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/certificate/i);
  });

  it('produces over TLS with tlsInsecureSkipVerify', async () => {
    const { result } = await run({
      brokerAddress: tls.address,
      topic,
      message: 'over tls',
      tlsEnable: 'true',
      tlsInsecureSkipVerify: 'true',
    });
    expect(result).toEqual({ success: true });
    expect(tls.records.at(-1)?.value).toBe('over tls');
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
