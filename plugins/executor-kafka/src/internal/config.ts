import { type Conversion, c, type InferConfig } from '@dkron-core/plugin-api';

/** A broker address. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

// host:port, the port 1-65535 without leading zeros; IPv6 hosts in brackets.
const PORT = '([1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';
const HOST_PORT_TEXT = `(\\[[0-9A-Fa-f:.]+\\]|[^\\s:,[\\]]+):${PORT}`;
const HOST_PORT = new RegExp(`^${HOST_PORT_TEXT}$`);
const BROKERS = `^\\s*${HOST_PORT_TEXT}(\\s*,\\s*${HOST_PORT_TEXT})*\\s*$`;

function parseBrokers(input: unknown): Conversion<BrokerAddress[]> {
  if (typeof input !== 'string') return { ok: false };
  const brokers: BrokerAddress[] = [];
  for (const item of input.trim().split(',')) {
    const m = HOST_PORT.exec(item.trim());
    if (m === null)
      return { ok: false, message: `${JSON.stringify(item.trim())} is not a host:port address` };
    brokers.push({ host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) });
  }
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
  PLAIN: 'PLAIN',
  'SCRAM-SHA-256': 'SCRAM-SHA-256',
  'SCRAM-SHA-512': 'SCRAM-SHA-512',
};

const saslMechanism = c
  .custom<SaslMechanism>({
    expected: "'plain', 'sha256' (or 'scram-sha-256') or 'sha512' (or 'scram-sha-512')",
    description:
      'SASL mechanism: plain, sha256 / scram-sha-256 or sha512 / scram-sha-512 (or PLAIN, SCRAM-SHA-256, ' +
      'SCRAM-SHA-512). Required with saslUsername and saslPassword; empty: no SASL.',
    // "" first: a form's first choice is "no SASL".
    json: { type: 'string', enum: ['', ...Object.keys(MECHANISMS)] },
    convert(input) {
      const found =
        typeof input === 'string' && Object.hasOwn(MECHANISMS, input) ? MECHANISMS[input] : undefined;
      return found === undefined
        ? {
            ok: false,
            message: `invalid SASL mechanism ${JSON.stringify(input)}, must be 'plain', 'sha256' (or 'scram-sha-256') or 'sha512' (or 'scram-sha-512')`,
          }
        : { ok: true, value: found };
    },
  })
  .optional();

/** The kafka executor's `executor_config`: Dkron's keys, plus `timeout`. */
export const kafkaConfig = c.object(
  {
    brokerAddress: c.custom<BrokerAddress[]>({
      expected: '"host:port,host:port"',
      description: 'Comma-separated host:port list of bootstrap brokers.',
      json: { type: 'string', pattern: BROKERS },
      convert: parseBrokers,
    }),
    topic: c.custom<string>({
      expected: 'a Kafka topic name (letters, digits, . _ -)',
      description: 'Topic the message is produced to.',
      json: { type: 'string', pattern: TOPIC.source },
      convert: (input) =>
        typeof input === 'string' && TOPIC.test(input) ? { ok: true, value: input } : { ok: false },
    }),
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
    debug: c
      .boolean({
        anyText: true,
        description:
          'Logs the config (password redacted) and the produce result. Any non-empty value but false/0 ' +
          'turns it on.',
      })
      .default(false),
    timeout: c
      .duration({
        min: 0,
        description:
          'dkron-core: time for the whole run (connect, authenticate, produce with retries): seconds ' +
          '(30 or "30") or a Go duration. 0: none.',
      })
      .default(30_000),
  },
  {
    check(config) {
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
  },
);

/** The parsed kafka executor config. */
export type KafkaConfig = InferConfig<typeof kafkaConfig>;
