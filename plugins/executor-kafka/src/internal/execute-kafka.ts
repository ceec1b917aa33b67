import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import type { KafkaConfig } from './config.js';
import { formatSeconds } from './format.js';

/** The part of @platformatic/kafka's Producer a run uses. */
export interface ProducerLike {
  send(options: {
    messages: Array<{ topic: string; key?: Buffer; value: Buffer }>;
    acks: number;
  }): Promise<{ offsets?: Array<{ topic: string; partition: number; offset: bigint }> }>;
  close(force?: boolean): Promise<void>;
}

/** The options a producer is made with (what the run passes to @platformatic/kafka). */
export interface ProducerSettings {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
  readonly tls?: { readonly rejectUnauthorized: boolean };
  readonly sasl?: { readonly mechanism: string; readonly username: string; readonly password: string };
  readonly timeout: number;
  readonly retries: number;
}

/** What the kafka executor needs besides the request. */
export interface KafkaDeps {
  readonly clientId: string;
  /** Producer attempts after a retriable failure (Dkron's Sarama producer: 5). */
  readonly retries: number;
  createProducer(settings: ProducerSettings): Promise<ProducerLike>;
}

/** Dkron's success output. */
export const PRODUCED = 'Result: successfully produced the message on Kafka broker';

/** Acks of every produce: all in-sync replicas (Dkron's `WaitForAll`). */
const ACKS_ALL = -1;

/** Produces one message with acks=all, as Dkron's kafka executor does. */
export async function executeKafka(
  request: ExecuteRequest<KafkaConfig>,
  context: ExecuteContext,
  deps: KafkaDeps,
): Promise<ExecuteResult> {
  const { config } = request;
  const where = `kafka: topic ${config.topic}`;
  if (context.signal.aborted) return { success: false, error: `${where}: cancelled before it started` };
  const settings: ProducerSettings = {
    clientId: deps.clientId,
    bootstrapBrokers: config.brokerAddress.map((b) =>
      b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`,
    ),
    ...(config.tlsEnable ? { tls: { rejectUnauthorized: !config.tlsInsecureSkipVerify } } : {}),
    ...(config.saslMechanism === undefined
      ? {}
      : {
          sasl: {
            mechanism: config.saslMechanism,
            username: config.saslUsername,
            password: config.saslPassword,
          },
        }),
    timeout: config.timeout > 0 ? Math.min(config.timeout, 30_000) : 30_000,
    retries: deps.retries,
  };
  if (config.debug) {
    const shown = {
      brokerAddress: settings.bootstrapBrokers.join(','),
      topic: config.topic,
      key: config.key,
      messageBytes: Buffer.byteLength(config.message),
      tlsEnable: config.tlsEnable,
      tlsInsecureSkipVerify: config.tlsInsecureSkipVerify,
      saslUsername: config.saslUsername,
      saslPassword: config.saslPassword === '' ? '' : '[redacted]',
      saslMechanism: config.saslMechanism ?? '',
      timeout: formatSeconds(config.timeout),
    };
    context.output.write(`Config: ${JSON.stringify(shown)}\n`);
    context.logger.info('kafka produce', shown);
  }

  let producer: ProducerLike | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // Resolves when the run must stop: the timeout passed or the execution was cancelled.
  const stopped = new Promise<'timeout' | 'cancelled'>((resolve) => {
    onAbort = () => resolve('cancelled');
    context.signal.addEventListener('abort', onAbort, { once: true });
    if (config.timeout > 0) timer = setTimeout(() => resolve('timeout'), config.timeout);
  });
  const work = (async () => {
    producer = await deps.createProducer(settings);
    return producer.send({
      messages: [
        {
          topic: config.topic,
          ...(config.key === '' ? {} : { key: Buffer.from(config.key) }),
          value: Buffer.from(config.message),
        },
      ],
      acks: ACKS_ALL,
    });
  })();
  try {
    const outcome = await Promise.race([
      work.then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      stopped,
    ]);
    if (outcome === 'timeout') {
      return { success: false, error: `${where}: timed out after ${formatSeconds(config.timeout)}` };
    }
    if (outcome === 'cancelled') return { success: false, error: `${where}: cancelled` };
    if ('error' in outcome) return { success: false, error: `${where}: ${describe(outcome.error, config)}` };
    const offset = outcome.result.offsets?.[0];
    context.output.write(`${PRODUCED}\n`);
    if (offset !== undefined) {
      context.output.write(`topic ${offset.topic}, partition ${offset.partition}, offset ${offset.offset}\n`);
    }
    if (config.debug) {
      context.logger.info('kafka produced', {
        topic: config.topic,
        ...(offset === undefined ? {} : { partition: offset.partition, offset: String(offset.offset) }),
      });
    }
    return { success: true };
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) context.signal.removeEventListener('abort', onAbort);
    // Closed by force whether the send finished or not (a cancelled send must stop); the run does not
    // wait for it, and a producer still being made is closed once it exists.
    const close = () => void producer?.close(true).catch(() => {});
    work.then(close, close);
  }
}

/** The client's error as one line, every nested error included, the password never. */
function describe(error: unknown, config: KafkaConfig): string {
  const messages: string[] = [];
  const walk = (e: unknown, depth: number) => {
    if (depth > 4 || e === undefined || e === null) return;
    if (e instanceof AggregateError) {
      if (e.message !== '') messages.push(e.message);
      for (const inner of e.errors) walk(inner, depth + 1);
      return;
    }
    if (e instanceof Error) {
      messages.push(e.message);
      if (e.cause !== undefined) walk(e.cause, depth + 1);
      return;
    }
    messages.push(String(e));
  };
  walk(error, 0);
  const unique = [...new Set(messages.filter((m) => m !== ''))];
  let text = unique.join(': ') || 'produce failed';
  if (config.saslPassword !== '') text = text.replaceAll(config.saslPassword, '[redacted]');
  return text;
}
