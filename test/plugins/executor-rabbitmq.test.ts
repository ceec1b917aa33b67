/** The rabbitmq executor against this machine's RabbitMQ (RABBITMQ_URL, default guest/guest on :5672). */

import { randomUUID } from 'node:crypto';
import { rabbitmqExecutor } from '@dkron-core/executor-rabbitmq';
import { createTestHost, describeExecutorContract, type TestHost } from '@dkron-core/plugin-testing';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlackHole, closedPort, startBlackHole } from './helpers.js';

const URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const hole: BlackHole = await startBlackHole();
const queues: string[] = [];

let harness: TestHost;
let plugin: ReturnType<typeof rabbitmqExecutor>;
let peer: ChannelModel;
let channel: Channel;

beforeAll(async () => {
  plugin = rabbitmqExecutor();
  harness = createTestHost();
  await harness.install(plugin);
  peer = await connect(URL);
  channel = await peer.createChannel();
});

afterAll(async () => {
  await plugin?.close?.();
  for (const q of queues) await channel?.deleteQueue(q).catch(() => {});
  await peer?.close();
  await hole.close();
});

function queueName(): string {
  const name = `dkron-test-${randomUUID()}`;
  queues.push(name);
  return name;
}

async function take(queue: string) {
  const message = await channel.get(queue, { noAck: true });
  if (message === false) throw new Error(`queue ${queue} is empty`);
  return message;
}

describe('rabbitmq executor: publishing', () => {
  it('declares the queue when asked and publishes with Dkron’s message keys, confirmed', async () => {
    const queue = queueName();
    const { result, context } = await harness.execute('rabbitmq', {
      url: URL,
      'queue.name': queue,
      'queue.create': 'true',
      'queue.durable': 'true',
      'message.body': 'hello',
      'message.content_type': 'application/json',
      'message.delivery_mode': '2',
      'message.messageId': 'id-1',
    });
    expect(result).toEqual({ success: true });
    expect(context.text()).toBe(
      `Result: message confirmed by the broker (the default exchange, routing key "${queue}")\n`,
    );
    const message = await take(queue);
    expect(message.content.toString()).toBe('hello');
    expect(message.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: 'id-1',
    });
    expect((await channel.checkQueue(queue)).queue).toBe(queue);
  });

  it('declares with any value of queue.create but "false" (Dkron), and decodes message.base64Body', async () => {
    const queue = queueName();
    const { result } = await harness.execute('rabbitmq', {
      url: URL,
      'queue.name': queue,
      'queue.create': '',
      'message.base64Body': Buffer.from([0, 1, 2, 255]).toString('base64'),
    });
    expect(result).toEqual({ success: true });
    expect([...(await take(queue)).content]).toEqual([0, 1, 2, 255]);
  });

  it('publishes to an exchange with the queue name as routing key', async () => {
    const exchange = `dkron-test-x-${randomUUID()}`;
    const queue = queueName();
    await channel.assertExchange(exchange, 'direct', { autoDelete: true });
    await channel.assertQueue(queue);
    await channel.bindQueue(queue, exchange, queue);
    const { result } = await harness.execute('rabbitmq', {
      url: URL,
      exchange,
      'queue.name': queue,
      'message.body': 'x',
    });
    expect(result).toEqual({ success: true });
    expect((await take(queue)).fields).toMatchObject({ exchange, routingKey: queue });
    await channel.deleteExchange(exchange);
  });
});

describe('rabbitmq executor: failures', () => {
  it('fails a message no queue receives (Dkron reported success and lost it)', async () => {
    const queue = `dkron-test-absent-${randomUUID()}`;
    const { result } = await harness.execute('rabbitmq', {
      url: URL,
      'queue.name': queue,
      'queue.create': 'false',
    });
    expect(result).toEqual({
      success: false,
      error: `error publishing to RabbitMQ: message returned unroutable: no queue is bound to the default exchange with routing key "${queue}"`,
    });
  });

  it('fails on an exchange that does not exist, with the broker’s reason', async () => {
    const { result } = await harness.execute('rabbitmq', {
      url: URL,
      exchange: `dkron-test-missing-${randomUUID()}`,
      'queue.name': 'q',
    });
    expect(result).toMatchObject({
      success: false,
      error: expect.stringMatching(/^error publishing to RabbitMQ: .*NOT_FOUND - no exchange/),
    });
  });

  it('fails a declaration that conflicts with the existing queue', async () => {
    const queue = queueName();
    await channel.assertQueue(queue, { durable: false });
    const { result } = await harness.execute('rabbitmq', {
      url: URL,
      'queue.name': queue,
      'queue.create': 'true',
      'queue.durable': 'true',
    });
    expect(result).toMatchObject({ success: false, error: expect.stringMatching(/PRECONDITION_FAILED/) });
  });

  it('fails when the broker is unreachable', async () => {
    const { result } = await harness.execute('rabbitmq', {
      url: `amqp://guest:guest@127.0.0.1:${await closedPort()}/`,
      'queue.name': 'q',
    });
    expect(result).toMatchObject({
      success: false,
      error: expect.stringMatching(/^error connecting to RabbitMQ: .*ECONNREFUSED/),
    });
  });

  it('fails on wrong credentials without showing the password', async () => {
    const secret = `pw-${randomUUID()}`;
    const { result, context } = await harness.execute('rabbitmq', {
      url: `amqp://guest:${secret}@127.0.0.1:5672/`,
      'queue.name': 'q',
    });
    expect(result).toMatchObject({
      success: false,
      error: expect.stringMatching(/^error connecting to RabbitMQ: .*ACCESS.REFUSED/),
    });
    for (const text of [result.error ?? '', context.text(), JSON.stringify(harness.logs)])
      expect(text).not.toContain(secret);
  });

  it('fails when the broker does not answer within timeout', async () => {
    const { result } = await harness.execute('rabbitmq', {
      url: `amqp://guest:guest@127.0.0.1:${hole.port}/`,
      'queue.name': 'q',
      timeout: '300ms',
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(
      /^(timed out after 300ms connecting to RabbitMQ|error connecting to RabbitMQ: .*[Tt]imeout)/,
    );
  });

  it('stops waiting when its signal aborts', async () => {
    const context = harness.createContext();
    const running = harness.execute(
      'rabbitmq',
      { url: `amqp://127.0.0.1:${hole.port}/`, 'queue.name': 'q' },
      context,
    );
    await hole.accepted();
    context.controller.abort();
    expect((await running).result).toEqual({
      success: false,
      error: 'cancelled while connecting to RabbitMQ',
    });
  });

  it.each([
    [{ 'queue.name': 'q' }, 'executor_config.url: is required (a string)'],
    [{ url: 'http://x', 'queue.name': 'q' }, 'executor_config.url: expected a value matching'],
    [{ url: URL }, 'executor_config.queue.name: is required (a string)'],
    [
      { url: URL, 'queue.name': 'q', 'message.delivery_mode': '3' },
      'executor_config.message.delivery_mode: expected an integer <= 2',
    ],
    [
      { url: URL, 'queue.name': 'q', 'queue.durable': 'yes' },
      'executor_config.queue.durable: expected a boolean',
    ],
    [
      { url: URL, 'queue.name': 'q', 'message.body': 'a', 'message.base64Body': 'YQ==' },
      'executor_config.message.base64Body: set message.body or message.base64Body, not both',
    ],
    [
      { url: URL, 'queue.name': 'q', 'message.base64Body': '%%%' },
      'executor_config.message.base64Body: expected base64 data',
    ],
    [
      { url: URL, 'queue.name': 'q', 'message.base64Body': 'YQ=' },
      'executor_config.message.base64Body: illegal base64 data',
    ],
    [{ url: URL, 'queue.name': 'q', 'queue.create': 1 }, 'executor_config.queue.create: expected a boolean'],
  ])('refuses the bad config %j when the job is saved', (config, message) => {
    expect(() => harness.executor('rabbitmq').config.parse(config, 'executor_config')).toThrow(message);
  });

  it('takes native JSON values where Dkron means a number or a switch', () => {
    const parse = (config: Record<string, unknown>) =>
      harness
        .executor('rabbitmq')
        .config.parse({ url: URL, 'queue.name': 'q', ...config }, 'executor_config');
    const native = parse({
      'queue.create': true,
      'queue.durable': true,
      'message.delivery_mode': 2,
      timeout: 5,
    });
    const dkron = parse({
      'queue.create': 'yes',
      'queue.durable': 'true',
      'message.delivery_mode': '2',
      timeout: '5',
    });
    expect(native).toEqual(dkron);
    expect(native).toMatchObject({ 'queue.create': true, 'message.delivery_mode': 2, timeout: 5000 });
    expect(parse({ 'queue.create': false })).toMatchObject({ 'queue.create': false });
    expect(parse({ 'queue.create': 'false' })).toMatchObject({ 'queue.create': false });
    expect(parse({ 'queue.create': '' })).toMatchObject({ 'queue.create': true });
    expect(parse({})).not.toHaveProperty('queue.create');
  });
});

const contractQueue = queueName();
describeExecutorContract(rabbitmqExecutor(), 'rabbitmq', {
  succeeding: { url: URL, 'queue.name': contractQueue, 'queue.create': 'true', 'message.body': 'contract' },
  failing: { url: 'amqp://127.0.0.1:1/', 'queue.name': 'q' },
  // A broker that accepts the connection and never answers: the run hangs until it is aborted.
  slow: { url: `amqp://127.0.0.1:${hole.port}/`, 'queue.name': 'q' },
});
