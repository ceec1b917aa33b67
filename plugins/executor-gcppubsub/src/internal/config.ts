import { c, type InferConfig } from '@dkron-core/plugin-api';
import { type Conversion, customSchema, refineObject, requiredSchema, shown } from './custom-schema.js';
import { timeoutSchema } from './duration.js';

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]{3})?$/;
// Google's rules: a project id is 6-30 lowercase letters, digits and hyphens (domain-scoped ids have a
// colon); a topic id starts with a letter, 3-255 characters of letters, digits, - _ . ~ + %.
const PROJECT = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const TOPIC = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

const named =
  (what: string, rule: RegExp, hint: string) =>
  (input: unknown): Conversion<string> =>
    typeof input === 'string' && rule.test(input)
      ? { ok: true, value: input }
      : { ok: false, message: `expected a ${what} (${hint}), got ${shown(input)}` };

const data = customSchema<Buffer | undefined>(
  {
    json: { type: 'string', contentEncoding: 'base64', pattern: BASE64.source },
    convert: (input): Conversion<Buffer> =>
      typeof input === 'string' && BASE64.test(input.replace(/\s+/g, ''))
        ? { ok: true, value: Buffer.from(input, 'base64') }
        : { ok: false, message: `expected base64 data, got ${shown(input)}` },
  },
  'The message data, base64-encoded.',
);

const attributes = customSchema<Record<string, string> | undefined>(
  {
    json: {
      anyOf: [
        { type: 'object', additionalProperties: { type: 'string' } },
        { type: 'string', contentMediaType: 'application/json' },
      ],
    },
    convert(input): Conversion<Record<string, string>> {
      let value: unknown = input;
      if (typeof input === 'string') {
        try {
          value = JSON.parse(input);
        } catch {
          return { ok: false, message: `expected a JSON object of strings, got ${shown(input)}` };
        }
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { ok: false, message: `expected a JSON object of strings, got ${shown(input)}` };
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') return { ok: false, message: `the value of ${shown(k)} is not a string` };
        if (k === '') return { ok: false, message: 'an attribute name is empty' };
        out[k] = v;
      }
      return { ok: true, value: out };
    },
  },
  'Message attributes: a JSON object of string values, e.g. {"origin":"dkron"}.',
);

/** The gcppubsub executor's `executor_config`: Dkron's keys, plus `timeout`. */
export const pubsubConfig = refineObject(
  c.object({
    project: requiredSchema<string>(
      {
        json: { type: 'string', pattern: PROJECT.source },
        convert: named('project id', PROJECT, 'like my-project-123'),
      },
      'Google Cloud project id of the topic.',
    ),
    topic: requiredSchema<string>(
      {
        json: { type: 'string', pattern: TOPIC.source },
        convert: named('topic id', TOPIC, 'a letter, then letters, digits, - _ . ~ + %'),
      },
      'Topic id (not the full projects/…/topics/… name).',
    ),
    data,
    attributes,
    timeout: timeoutSchema(
      15,
      'dkron-core: time for the publish, retries included: seconds or a Go duration. 0: none. Default 15 ' +
        '(Dkron’s fixed timeout).',
    ),
  }),
  (config) =>
    config.data === undefined &&
    (config.attributes === undefined || Object.keys(config.attributes).length === 0)
      ? { key: 'data', message: 'data or attributes is required' }
      : undefined,
);

/** The parsed gcppubsub executor config. */
export type PubSubConfig = InferConfig<typeof pubsubConfig>;
