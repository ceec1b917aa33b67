import { c, type InferConfig } from '@dkron-core/plugin-api';

// One server: `host:port`, `nats://[user:pass@]host:port`, `tls://…`; several separated by commas (Dkron).
const SERVER = String.raw`\s*((nats|tls)://)?[^\s,/]+(:\d+)?/?\s*`;
const SERVERS = new RegExp(`^${SERVER}(,${SERVER})*$`);
// A publish subject: dot-separated tokens, no empty token, no wildcard, no whitespace.
const SUBJECT = /^[^.\s*>]+(\.[^.\s*>]+)*$/;

/** The NATS executor's `executor_config`: Dkron's keys plus `jetstream` and `timeout`. */
export const natsConfig = c.object({
  url: c.string({
    pattern: SERVERS,
    description:
      'NATS server URL (nats://host:4222, tls://host:4222 or host:port); several separated by commas.',
  }),
  subject: c.string({
    pattern: SUBJECT,
    description: 'Subject to publish to (dot-separated tokens, no wildcards).',
  }),
  message: c.string({ description: 'Message body.' }).default(''),
  userName: c.string({ description: 'User name for user/password authentication.' }).default(''),
  password: c
    .string({ description: 'Password for user/password authentication. Never logged or shown.' })
    .default(''),
  jetstream: c
    .boolean({
      description:
        'Publish through JetStream and wait for the stream’s acknowledgement; fails when no stream captures the subject.',
    })
    .default(false),
  timeout: c
    .duration({
      min: 1,
      description: 'How long connecting and publishing (with its acknowledgement) may take.',
    })
    .default(10_000),
  debug: c
    .boolean({
      anyText: true,
      description:
        'true, or any text but a Go false word (Dkron): start the output with the config (password hidden).',
    })
    .default(false),
});

/** The parsed config. */
export type NatsConfig = InferConfig<typeof natsConfig>;

/** The server list of `url`. */
export function servers(config: NatsConfig): string[] {
  return config.url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
