import { c, DkronError, type InferConfig, type JsonSchema } from '@dkron-core/plugin-api';

const AMQP_URL = /^amqps?:\/\/\S+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const shape = {
  url: c.string({
    pattern: AMQP_URL,
    description:
      'AMQP URL, amqp://user:password@host:5672/vhost (amqps:// for TLS). The password is never shown.',
  }),
  exchange: c.string({ description: 'Exchange to publish to; "" is the default exchange.' }).default(''),
  'queue.name': c.string({ minLength: 1, description: 'Queue name; also the routing key.' }),
  'queue.create': c
    .string({
      description: 'Present with any value but "false": the queue is declared before publishing (Dkron).',
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
    .string({ pattern: BASE64, description: 'Body as base64; wins over message.body when present.' })
    .optional(),
  timeout: c
    .duration({ min: 1, description: 'How long connecting and the broker’s publish confirmation may take.' })
    .default(10_000),
};

const object = c.object(shape);
type Parsed = InferConfig<typeof object>;

/** The parsed config. */
export type RabbitmqConfig = Parsed;

function invalid(path: string, message: string): DkronError {
  return new DkronError('CONFIG_INVALID', `${path}: ${message}`, { details: { field: path } });
}

/**
 * The RabbitMQ executor's `executor_config`: Dkron's keys (`url`, `exchange`, `queue.*`, `message.*`)
 * plus `timeout`. The two body keys are checked together when the job is saved.
 */
export const rabbitmqConfig: typeof object = Object.assign(Object.create(object) as typeof object, {
  parse(input: unknown, path = 'value'): RabbitmqConfig {
    const parsed = object.parse(input, path);
    const b64 = parsed['message.base64Body'];
    if (b64 !== undefined && b64 !== '' && parsed['message.body'] !== '') {
      throw invalid(`${path}.message.base64Body`, 'set message.body or message.base64Body, not both');
    }
    if (b64 !== undefined && b64.length % 4 !== 0) {
      throw invalid(`${path}.message.base64Body`, 'illegal base64 data (length is not a multiple of 4)');
    }
    return parsed;
  },
  toJSONSchema: (): JsonSchema => object.toJSONSchema(),
});

/** The message body: `message.base64Body` decoded when present (Dkron), else `message.body`. */
export function bodyOf(config: RabbitmqConfig): Buffer {
  const b64 = config['message.base64Body'];
  return b64 !== undefined ? Buffer.from(b64, 'base64') : Buffer.from(config['message.body'], 'utf8');
}

/** Dkron: the queue is declared when `queue.create` is present with any value but `false`. */
export function declaresQueue(config: RabbitmqConfig): boolean {
  const value = config['queue.create'];
  return value !== undefined && value.trim() !== 'false';
}
