import { type Conversion, c, type InferConfig } from '@dkron-core/plugin-api';

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]{3})?$/;
// Google's rules: a project id is 6-30 lowercase letters, digits and hyphens (domain-scoped ids have a
// colon); a topic id starts with a letter, 3-255 characters of letters, digits, - _ . ~ + %.
const PROJECT = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const TOPIC = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

const named =
  (rule: RegExp) =>
  (input: unknown): Conversion<string> =>
    typeof input === 'string' && rule.test(input) ? { ok: true, value: input } : { ok: false };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const data = c
  .custom<Buffer>({
    expected: 'base64 data',
    description: 'The message data, base64-encoded.',
    json: { type: 'string', contentEncoding: 'base64', pattern: BASE64.source },
    convert: (input) =>
      typeof input === 'string' && BASE64.test(input)
        ? { ok: true, value: Buffer.from(input, 'base64') }
        : { ok: false },
  })
  .optional();

const attributes = c
  .custom<Record<string, string>>({
    expected: 'a JSON object of strings',
    description: 'Message attributes: a JSON object of string values, e.g. {"origin":"dkron"}.',
    json: { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { minLength: 1 } },
    text: { type: 'string', contentMediaType: 'application/json' },
    convert(input) {
      let value: unknown = input;
      if (typeof input === 'string') {
        try {
          value = JSON.parse(input);
        } catch {
          return { ok: false };
        }
      }
      if (!isObject(value)) return { ok: false };
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string')
          return { ok: false, message: `the value of ${JSON.stringify(k)} is not a string` };
        if (k === '') return { ok: false, message: 'an attribute name is empty' };
        out[k] = v;
      }
      return { ok: true, value: out };
    },
  })
  .optional();

/** The gcppubsub executor's `executor_config`: Dkron's keys, plus `timeout`. */
export const pubsubConfig = c.object(
  {
    project: c.custom<string>({
      expected: 'a project id (like my-project-123)',
      description: 'Google Cloud project id of the topic.',
      json: { type: 'string', pattern: PROJECT.source },
      convert: named(PROJECT),
    }),
    topic: c.custom<string>({
      expected: 'a topic id (a letter, then letters, digits, - _ . ~ + %)',
      description: 'Topic id (not the full projects/…/topics/… name).',
      json: { type: 'string', pattern: TOPIC.source },
      convert: named(TOPIC),
    }),
    data,
    attributes,
    timeout: c
      .duration({
        min: 0,
        description:
          'dkron-core: time for the publish, retries included: seconds (15 or "15") or a Go duration. 0: ' +
          'none. Default 15s, Dkron’s fixed timeout.',
      })
      .default(15_000),
  },
  {
    check: (config) =>
      config.data === undefined &&
      (config.attributes === undefined || Object.keys(config.attributes).length === 0)
        ? { key: 'data', message: 'data or attributes is required' }
        : undefined,
  },
);

/** The parsed gcppubsub executor config. */
export type PubSubConfig = InferConfig<typeof pubsubConfig>;
