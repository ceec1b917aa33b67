import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { bodyOf, declaresQueue, type RabbitmqConfig } from './config.js';
import type { Pool } from './pool.js';
import { redactor } from './redact.js';

class Stopped extends Error {}

/**
 * Publishes one job's message on a channel of its own, in confirm mode and `mandatory`: the run
 * succeeds only when the broker confirmed the message and did not return it as unroutable.
 */
export async function executeRabbitmq(
  request: ExecuteRequest<RabbitmqConfig>,
  context: ExecuteContext,
  pool: Pool,
): Promise<ExecuteResult> {
  const config = request.config;
  const clean = redactor(config.url);
  if (context.signal.aborted) return { success: false, error: 'cancelled before connecting to RabbitMQ' };
  let step = 'connecting to RabbitMQ';
  let stop!: (error: Error) => void;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const timer = setTimeout(
    () => stop(new Stopped(`timed out after ${format(config.timeout)} ${step}`)),
    config.timeout,
  );
  const onAbort = () => stop(new Stopped(`cancelled while ${step}`));
  context.signal.addEventListener('abort', onAbort, { once: true });
  const race = <T>(p: Promise<T>) => Promise.race([p, stopped]);
  let channel: ConfirmChannel | undefined;
  let finished = false;
  let connection: ChannelModel;
  try {
    try {
      connection = await race(pool.connection(config.url, config.timeout));
    } catch (error) {
      if (error instanceof Stopped) return { success: false, error: error.message };
      return { success: false, error: `error connecting to RabbitMQ: ${clean(messageOf(error))}` };
    }
    try {
      step = 'opening a channel';
      const opened = connection.createConfirmChannel();
      // A channel opened after the run gave up is closed when it arrives.
      void opened.then(
        (ch) => (finished && channel === undefined ? ch.close().catch(() => {}) : undefined),
        () => {},
      );
      channel = await race(opened);
      // The broker closes the channel on a failed declare or publish (unknown exchange, mismatched
      // queue arguments): that ends the run with the broker's reason.
      const closedByBroker = new Promise<never>((_, reject) => {
        channel?.once('error', (error: Error) => reject(error));
      });
      closedByBroker.catch(() => {});
      const racing = <T>(p: Promise<T>) => Promise.race([p, stopped, closedByBroker]);
      const queue = config['queue.name'];
      if (declaresQueue(config)) {
        step = `declaring queue "${queue}"`;
        await racing(
          channel.assertQueue(queue, {
            durable: config['queue.durable'],
            autoDelete: config['queue.auto_delete'],
            exclusive: config['queue.exclusive'],
          }),
        );
      }
      step = 'waiting for the broker to confirm the message';
      const where = config.exchange === '' ? 'the default exchange' : `exchange "${config.exchange}"`;
      let returned: Message | undefined;
      channel.on('return', (message: Message) => {
        returned = message;
      });
      const confirmed = new Promise<void>((resolve, reject) => {
        (channel as ConfirmChannel).publish(
          config.exchange,
          queue,
          bodyOf(config),
          {
            mandatory: true,
            contentType: config['message.content_type'],
            ...(config['message.delivery_mode'] === 0
              ? {}
              : { deliveryMode: config['message.delivery_mode'] }),
            ...(config['message.messageId'] === '' ? {} : { messageId: config['message.messageId'] }),
          },
          (error) => (error ? reject(new Error('the broker refused the message (nack)')) : resolve()),
        );
      });
      await racing(confirmed);
      // The broker sends basic.return before the confirmation of an unroutable mandatory message.
      if (returned !== undefined) {
        return {
          success: false,
          error: `error publishing to RabbitMQ: message returned unroutable: no queue is bound to ${where} with routing key "${queue}"`,
        };
      }
      context.output.write(`Result: message confirmed by the broker (${where}, routing key "${queue}")\n`);
      return { success: true };
    } catch (error) {
      if (error instanceof Stopped) return { success: false, error: error.message };
      return { success: false, error: `error publishing to RabbitMQ: ${clean(messageOf(error))}` };
    }
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onAbort);
    finished = true;
    await channel?.close().catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function format(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
