/**
 * The built-in protocol executors (http, grpc, kafka, gcppubsub) through the API of a real agent:
 * listed by GET /v1/plugins, bad configs refused at save with a 400 naming the key, and real runs
 * against local peers (an HTTP server, a grpc-js server with reflection, the Kafka wire-protocol
 * fixture, the Pub/Sub fixture reached through PUBSUB_EMULATOR_HOST) with secrets kept out of the
 * stored output and the agent's logs.
 */

import { createRequire } from 'node:module';
import type { Execution } from '@dkron-core/plugin-api';
import { ReflectionService } from '@grpc/reflection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoServer, startEchoServer } from '../fixtures/grpc/echo-server.js';
import { startTestServer, type TestServer } from '../fixtures/http-test-server.js';
import { type KafkaFixture, startKafkaFixture } from '../fixtures/kafka/broker.js';
import { type PubSubFixture, startPubSubFixture } from '../fixtures/pubsub-server.js';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';
const PUBSUB_PROTOS = createRequire(
  new URL('../../plugins/executor-gcppubsub/package.json', import.meta.url),
).resolve('@google-cloud/pubsub/build/protos/protos.json');

let agent: AgentHandle;
let client: Api;
let http: TestServer;
let grpc: EchoServer;
let kafka: KafkaFixture;
let pubsub: PubSubFixture;

beforeAll(async () => {
  [http, grpc, kafka, pubsub] = await Promise.all([
    startTestServer(),
    startEchoServer({ reflection: ReflectionService }),
    startKafkaFixture({
      sasl: { mechanisms: ['SCRAM-SHA-512'], users: { dkron: 'kafka-pw-9f3' } },
      topics: { jobs: {} },
    }),
    startPubSubFixture(PUBSUB_PROTOS, { topics: ['projects/dkron-e2e/topics/ticks'] }),
  ]);
  agent = await startAgent({
    args: ['--shutdown-timeout', '1s'],
    // The gcppubsub executor must reach the fixture through the emulator variable, never Google.
    env: { PUBSUB_EMULATOR_HOST: pubsub.address, METADATA_SERVER_DETECTION: 'none' },
  });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  await Promise.all([http?.close(), grpc?.close(), kafka?.close(), pubsub?.close()]);
});

async function runOnce(name: string, executor: string, config: Record<string, unknown>): Promise<Execution> {
  const saved = await client.jobs.save({ name, schedule: '@manually', executor, executor_config: config });
  expect(saved.status, saved.text).toBe(201);
  const run = await client.jobs.run(name);
  expect(run.status, run.text).toBe(200);
  return waitFor(
    async () => {
      const res = await client.jobs.executions(name);
      return res.body.find((e) => e.finished_at !== ZERO_TIME && e.status !== 'running');
    },
    { timeoutMs: 30_000, message: `a finished execution of ${name}` },
  );
}

describe('built-in protocol executors', () => {
  it('are listed by GET /v1/plugins with their config schemas', async () => {
    const res = await client.get<{
      executors: Array<{ name: string; plugin: string; config: { required?: string[] } }>;
    }>('/v1/plugins');
    expect(res.status).toBe(200);
    const byName = new Map(res.body.executors.map((e) => [e.name, e]));
    expect(byName.get('http')).toMatchObject({
      plugin: '@dkron-core/executor-http',
      config: { required: ['method', 'url'] },
    });
    expect(byName.get('grpc')).toMatchObject({
      plugin: '@dkron-core/executor-grpc',
      config: { required: ['url'] },
    });
    expect(byName.get('kafka')).toMatchObject({
      plugin: '@dkron-core/executor-kafka',
      config: { required: ['brokerAddress', 'topic'] },
    });
    expect(byName.get('gcppubsub')).toMatchObject({
      plugin: '@dkron-core/executor-gcppubsub',
      config: { required: ['project', 'topic'] },
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['http', 'executor_config.expectCode', { method: 'GET', url: 'http://x', expectCode: '1200' }],
    ['http', 'executor_config.headers', { method: 'GET', url: 'http://x', headers: '[oops' }],
    ['grpc', 'executor_config.url', { url: 'localhost:9000' }],
    ['grpc', 'executor_config.expectCode', { url: 'h:1/a.B/C', expectCode: 'nope' }],
    ['grpc', 'executor_config.timeout', { url: 'h:1/a.B/C', timeout: -1 }],
    [
      'kafka',
      'executor_config.saslMechanism',
      { brokerAddress: 'k:9092', topic: 't', saslUsername: 'u', saslPassword: 'p', saslMechanism: 'md5' },
    ],
    ['kafka', 'executor_config.brokerAddress', { topic: 't' }],
    ['gcppubsub', 'executor_config.data', { project: 'dkron-e2e', topic: 'ticks' }],
    ['gcppubsub', 'executor_config.project', { topic: 'ticks', data: 'aGk=' }],
  ])('%s: a bad config is refused at save with a 400 naming %s', async (executor, key, config) => {
    const res = await client.jobs.save({
      name: `bad-${executor}`,
      schedule: '@manually',
      executor,
      executor_config: config,
    });
    expect(res.status, res.text).toBe(400);
    expect((res.body as unknown as { message: string }).message).toContain(key);
  });

  it('http: runs a request; the password of the URL is in neither the output nor the logs', async () => {
    const url = `${http.url.replace('://', '://ops:http-pw-4c1@')}/ok`;
    const e = await runOnce('e2e-http', 'http', { method: 'GET', url, expectCode: '2xx', debug: 'true' });
    expect(e).toMatchObject({ success: true, status: 'success' });
    expect(e.output).toContain('200 OK\nhello');
    expect(http.seen.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('ops:http-pw-4c1').toString('base64')}`,
    );
    expect(e.output).not.toContain('http-pw-4c1');
    expect(agent.logs()).not.toContain('http-pw-4c1');
  });

  it('http: an unexpected code fails the execution with the reason first', async () => {
    const e = await runOnce('e2e-http-500', 'http', {
      method: 'GET',
      url: `${http.url}/status?code=503`,
      expectCode: '200',
    });
    expect(e).toMatchObject({ success: false, status: 'failed' });
    expect(e.output).toMatch(
      /^received response code does not match the expected code: got 503, expected 200\n/,
    );
  });

  it('http: a JSON client’s native numbers and booleans mean what Dkron’s strings mean', async () => {
    const ok = await runOnce('e2e-http-native', 'http', {
      method: 'GET',
      url: `${http.url}/status?code=201`,
      expectCode: 201,
      timeout: 30,
      debug: false,
      tlsNoVerifyPeer: false,
    });
    expect(ok).toMatchObject({ success: true, status: 'success' });
    expect(ok.output).toMatch(/^201 Created\n/);
    const bad = await runOnce('e2e-http-native-bad', 'http', {
      method: 'GET',
      url: `${http.url}/status?code=202`,
      expectCode: 201,
    });
    expect(bad).toMatchObject({ success: false });
    expect(bad.output).toMatch(
      /^received response code does not match the expected code: got 202, expected 201\n/,
    );
    const refused = await client.jobs.save({
      name: 'e2e-http-native-refused',
      schedule: '@manually',
      executor: 'http',
      executor_config: { method: 'GET', url: http.url, body: 5 },
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toContain('executor_config.body: expected a string, got 5');
  });

  it('grpc: calls a method found by reflection; the response is the output', async () => {
    const e = await runOnce('e2e-grpc', 'grpc', {
      url: `${grpc.address}/dkron.test.v1.Echo/Say`,
      body: '{"text":"from dkron"}',
    });
    expect(e).toMatchObject({ success: true });
    expect(JSON.parse(e.output)).toMatchObject({ text: 'from dkron' });
  });

  it('kafka: produces with SCRAM-SHA-512; the password is in neither the output nor the logs', async () => {
    const e = await runOnce('e2e-kafka', 'kafka', {
      brokerAddress: kafka.address,
      topic: 'jobs',
      key: 'k1',
      message: 'from dkron',
      saslUsername: 'dkron',
      saslPassword: 'kafka-pw-9f3',
      saslMechanism: 'sha512',
      debug: 'true',
    });
    expect(e).toMatchObject({ success: true });
    expect(e.output).toContain('Result: successfully produced the message on Kafka broker');
    expect(kafka.records.at(-1)).toMatchObject({
      topic: 'jobs',
      key: 'k1',
      value: 'from dkron',
      user: 'dkron',
      acks: -1,
    });
    expect(e.output).not.toContain('kafka-pw-9f3');
    expect(agent.logs()).not.toContain('kafka-pw-9f3');
  });

  it('gcppubsub: publishes through PUBSUB_EMULATOR_HOST; the output is the message id', async () => {
    const e = await runOnce('e2e-pubsub', 'gcppubsub', {
      project: 'dkron-e2e',
      topic: 'ticks',
      data: Buffer.from('tick').toString('base64'),
      attributes: '{"from":"dkron"}',
    });
    expect(e).toMatchObject({ success: true });
    const message = pubsub.messages.at(-1);
    expect(message).toMatchObject({
      topic: 'projects/dkron-e2e/topics/ticks',
      data: Buffer.from('tick'),
      attributes: { from: 'dkron' },
    });
    expect(e.output).toBe(message?.messageId);
  });
});
