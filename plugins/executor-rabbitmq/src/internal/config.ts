import { c, type InferConfig } from '@dkron-core/plugin-api';

const AMQP_URL = /^amqps?:\/\/\S+$/;
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
// Padded standard base64, what Go's StdEncoding takes (the length a multiple of 4).
const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const shape = {
  url: c.string({
    pattern: AMQP_URL,
    description:
      'AMQP URL, amqp://user:password@host:5672/vhost (amqps:// for TLS). The password is never shown.',
  }),
  exchange: c.string({ description: 'Exchange to publish to; "" is the default exchange.' }).default(''),
  'queue.name': c.string({ minLength: 1, description: 'Queue name; also the routing key.' }),
  'queue.create': c
    .custom<boolean>({
      expected: 'a boolean, or any text but "false"',
      description:
        'Present with any value but false or "false" (even ""): the queue is declared before publishing (Dkron).',
      // Present at all is what counts, so "" is a value here, as in Dkron.
      acceptsEmpty: true,
      json: { type: 'boolean' },
      text: { type: 'string' },
      convert: (input) =>
        typeof input === 'boolean'
          ? { ok: true, value: input }
          : typeof input === 'string'
            ? { ok: true, value: input.trim() !== 'false' }
            : { ok: false },
    })
    .optional(),
  'queue.durable': c.boolean({ description: 'Declare the queue durable.' }).default(false),
  'queue.auto_delete': c.boolean({ description: 'Declare the queue auto-deleted.' }).default(false),
  'queue.exclusive': c.boolean({ description: 'Declare the queue exclusive.' }).default(false),
  'message.content_type': c.string({ description: 'Content type of the message.' }).default('text/plain'),
  'message.delivery_mode': c
    .number({ integer: true, min: 0, max: 2, description: '2 = persistent, 1 or 0 = transient.' })
    .default(0),
  'message.messageId': c.string({ description: 'Message id property.' }).default(''),
  'message.body': c.string({ description: 'Text body.' }).default(''),
  'message.base64Body': c
    .custom<string>({
      expected: 'base64 data',
      description: 'Body as base64; wins over message.body when present.',
      // Present, even "", it wins over message.body (Dkron).
      acceptsEmpty: true,
      json: { type: 'string', pattern: BASE64.source },
      convert(input) {
        if (typeof input !== 'string' || !BASE64_CHARS.test(input)) return { ok: false };
        return BASE64.test(input)
          ? { ok: true, value: input }
          : { ok: false, message: 'illegal base64 data (length is not a multiple of 4)' };
      },
    })
    .optional(),
  timeout: c
    .duration({ min: 1, description: 'How long connecting and the broker’s publish confirmation may take.' })
    .default(10_000),
};

/**
 * The RabbitMQ executor's `executor_config`: Dkron's keys (`url`, `exchange`, `queue.*`, `message.*`)
 * plus `timeout`. The two body keys are checked together when the job is saved.
 */
export const rabbitmqConfig = c.object(shape, {
  check(config) {
    const b64 = config['message.base64Body'];
    if (b64 !== undefined && b64 !== '' && config['message.body'] !== '') {
      return { key: 'message.base64Body', message: 'set message.body or message.base64Body, not both' };
    }
    return undefined;
  },
});

/** The parsed config. */
export type RabbitmqConfig = InferConfig<typeof rabbitmqConfig>;

/** The message body: `message.base64Body` decoded when present (Dkron), else `message.body`. */
export function bodyOf(config: RabbitmqConfig): Buffer {
  const b64 = config['message.base64Body'];
  return b64 !== undefined ? Buffer.from(b64, 'base64') : Buffer.from(config['message.body'], 'utf8');
}

/** Dkron: the queue is declared when `queue.create` is present with any value but `false`. */
export function declaresQueue(config: RabbitmqConfig): boolean {
  return config['queue.create'] === true;
}
