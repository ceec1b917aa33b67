import { c, type InferConfig } from '@dkron-core/plugin-api';
import { type Conversion, customSchema, refineObject, requiredSchema, shown } from './custom-schema.js';
import { timeoutSchema } from './duration.js';
import { expectBodySchema } from './expect-body.js';
import { expectCodeSchema } from './expect-code.js';
import { headersSchema } from './headers.js';

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const method = requiredSchema<string>(
  {
    json: { type: 'string', pattern: METHOD.source },
    convert: (input): Conversion<string> =>
      typeof input === 'string' && METHOD.test(input)
        ? { ok: true, value: input }
        : { ok: false, message: `expected an HTTP method like GET or POST, got ${shown(input)}` },
  },
  'HTTP method, sent as written: GET, POST, PUT, …',
);

const url = requiredSchema<URL>(
  {
    json: { type: 'string', format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://' },
    convert(input): Conversion<URL> {
      let parsed: URL;
      try {
        if (typeof input !== 'string') throw new TypeError('not a string');
        parsed = new URL(input);
      } catch {
        return { ok: false, message: `expected an http:// or https:// URL, got ${shown(input)}` };
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        return { ok: false, message: `expected an http:// or https:// URL, got ${parsed.protocol} URL` };
      }
      return { ok: true, value: parsed };
    },
  },
  'The URL to call (http:// or https://). user:password@ in it is sent as basic authentication.',
);

const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Dkron turns debugging on with any non-empty value; the Go false words (`"false"`, `"0"`) turn it off here. */
export const debugSchema = customSchema<boolean>(
  {
    json: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
    convert: (input): Conversion<boolean> =>
      typeof input === 'boolean'
        ? { ok: true, value: input }
        : typeof input === 'string' || typeof input === 'number'
          ? { ok: true, value: !FALSE_WORDS.has(String(input)) }
          : { ok: false, message: `expected a boolean, got ${shown(input)}` },
  },
  'Logs the request and the response (secrets redacted) and starts the output with the config. Any ' +
    'non-empty value but false/0 turns it on.',
  { value: false, json: false },
);

/** The http executor's `executor_config`: every key of Dkron's http executor. */
export const httpConfig = refineObject(
  c.object({
    method,
    url,
    headers: headersSchema,
    body: c.string({ description: 'Request body, sent as is.' }).default(''),
    timeout: timeoutSchema(
      30,
      'Time for the whole request, body included: seconds (Dkron’s form) or a Go duration like 1m30s. ' +
        '0: none. Default 30.',
    ),
    expectCode: expectCodeSchema,
    expectBody: expectBodySchema,
    debug: debugSchema,
    tlsNoVerifyPeer: c
      .boolean({ description: 'Do not verify the server’s certificate (https only).' })
      .default(false),
    tlsCertificateFile: c
      .string({ description: 'Client certificate (PEM file on the agent) for mutual TLS.' })
      .default(''),
    tlsCertificateKeyFile: c
      .string({ description: 'Private key (PEM file on the agent) of tlsCertificateFile.' })
      .default(''),
    tlsRootCAsFile: c
      .string({ description: 'CA certificates (PEM file on the agent) to trust instead of the system’s.' })
      .default(''),
  }),
  (config) => {
    if (config.tlsCertificateFile !== '' && config.tlsCertificateKeyFile === '') {
      return { key: 'tlsCertificateKeyFile', message: 'is required with tlsCertificateFile' };
    }
    if (config.tlsCertificateKeyFile !== '' && config.tlsCertificateFile === '') {
      return { key: 'tlsCertificateFile', message: 'is required with tlsCertificateKeyFile' };
    }
    return undefined;
  },
);

/** The parsed http executor config. */
export type HttpConfig = InferConfig<typeof httpConfig>;
