import { c, type InferConfig } from '@dkron-core/plugin-api';
import { type Conversion, customSchema, refineObject, requiredSchema, shown } from './custom-schema.js';
import { timeoutSchema } from './duration.js';

/** A broker address. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+):(\d{1,5})$/;

function parseBrokers(input: unknown): Conversion<BrokerAddress[]> {
  if (typeof input !== 'string')
    return { ok: false, message: `expected "host:port,host:port", got ${shown(input)}` };
  const brokers: BrokerAddress[] = [];
  for (const item of input.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const m = HOST_PORT.exec(item);
    const port = Number(m?.[2]);
    if (m === null || port < 1 || port > 65535) {
      return { ok: false, message: `${shown(item)} is not a host:port address` };
    }
    brokers.push({ host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port });
  }
  if (brokers.length === 0) return { ok: false, message: 'no broker address' };
  return { ok: true, value: brokers };
}

// Kafka's own rule for topic names.
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/** The SASL mechanisms, by the names the config accepts (Dkron's `sha256`/`sha512` included). */
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

const MECHANISMS: Record<string, SaslMechanism> = {
  plain: 'PLAIN',
  sha256: 'SCRAM-SHA-256',
  sha512: 'SCRAM-SHA-512',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

const saslMechanism = customSchema<SaslMechanism | undefined>(
  {
    json: {
      type: 'string',
      enum: [
        '',
        'plain',
        'sha256',
        'sha512',
        'scram-sha-256',
        'scram-sha-512',
        'PLAIN',
        'SCRAM-SHA-256',
        'SCRAM-SHA-512',
      ],
    },
    convert: (input): Conversion<SaslMechanism | undefined> => {
      const found = typeof input === 'string' ? MECHANISMS[input.toLowerCase()] : undefined;
      return found === undefined
        ? {
            ok: false,
            message: `invalid SASL mechanism ${shown(input)}, must be 'plain', 'sha256' (or 'scram-sha-256') or 'sha512' (or 'scram-sha-512')`,
          }
        : { ok: true, value: found };
    },
  },
  'SASL mechanism: plain, sha256 / scram-sha-256 or sha512 / scram-sha-512 (case-insensitive). Required ' +
    'with saslUsername and saslPassword; empty: no SASL.',
  { value: undefined, json: '' },
);

const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

const debug = customSchema<boolean>(
  {
    json: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
    convert: (input): Conversion<boolean> =>
      typeof input === 'boolean'
        ? { ok: true, value: input }
        : typeof input === 'string' || typeof input === 'number'
          ? { ok: true, value: !FALSE_WORDS.has(String(input)) }
          : { ok: false, message: `expected a boolean, got ${shown(input)}` },
  },
  'Logs the config (password redacted) and the produce result. Any non-empty value but false/0 turns it on.',
  { value: false, json: false },
);

/** The kafka executor's `executor_config`: Dkron's keys, plus `timeout`. */
export const kafkaConfig = refineObject(
  c.object({
    brokerAddress: requiredSchema<BrokerAddress[]>(
      {
        json: { type: 'string', pattern: '^\\s*[^\\s,]+:\\d+(\\s*,\\s*[^\\s,]+:\\d+)*\\s*$' },
        convert: parseBrokers,
      },
      'Comma-separated host:port list of bootstrap brokers.',
    ),
    topic: requiredSchema<string>(
      {
        json: { type: 'string', pattern: TOPIC.source },
        convert: (input): Conversion<string> =>
          typeof input === 'string' && TOPIC.test(input)
            ? { ok: true, value: input }
            : {
                ok: false,
                message: `expected a Kafka topic name (letters, digits, . _ -), got ${shown(input)}`,
              },
      },
      'Topic the message is produced to.',
    ),
    key: c
      .string({ description: 'Message key; empty: no key (the partitioner spreads the messages).' })
      .default(''),
    message: c.string({ description: 'Message value.' }).default(''),
    tlsEnable: c.boolean({ description: 'Connect with TLS.' }).default(false),
    tlsInsecureSkipVerify: c
      .boolean({ description: 'With tlsEnable: do not verify the brokers’ certificates.' })
      .default(false),
    saslUsername: c.string({ description: 'SASL user; with saslPassword and saslMechanism.' }).default(''),
    saslPassword: c.string({ description: 'SASL password. Never logged or shown.' }).default(''),
    saslMechanism,
    debug,
    timeout: timeoutSchema(
      30,
      'dkron-core: time for the whole run (connect, authenticate, produce with retries): seconds or a Go ' +
        'duration. 0: none. Default 30.',
    ),
  }),
  (config) => {
    const user = config.saslUsername !== '';
    const password = config.saslPassword !== '';
    if (user && !password) return { key: 'saslPassword', message: 'is required with saslUsername' };
    if (password && !user) return { key: 'saslUsername', message: 'is required with saslPassword' };
    if (user && config.saslMechanism === undefined) {
      return {
        key: 'saslMechanism',
        message: "is required with saslUsername: 'plain', 'sha256' or 'sha512'",
      };
    }
    if (!user && config.saslMechanism !== undefined) {
      return { key: 'saslUsername', message: 'is required with saslMechanism' };
    }
    return undefined;
  },
);

/** The parsed kafka executor config. */
export type KafkaConfig = InferConfig<typeof kafkaConfig>;
