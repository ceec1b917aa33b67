import { c, type InferConfig } from '@dkron-core/plugin-api';
import { expectBodySchema } from './expect-body.js';
import { expectCodeSchema } from './expect-code.js';
import { headersSchema } from './headers.js';

const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const method = c.custom<string>({
  expected: 'an HTTP method like GET or POST',
  description: 'HTTP method, sent as written: GET, POST, PUT, …',
  json: { type: 'string', pattern: METHOD.source },
  convert: (input) =>
    typeof input === 'string' && METHOD.test(input) ? { ok: true, value: input } : { ok: false },
});

const HTTP_URL = /^[hH][tT][tT][pP][sS]?:\/\//;

const url = c.custom<URL>({
  expected: 'an http:// or https:// URL',
  description: 'The URL to call (http:// or https://). user:password@ in it is sent as basic authentication.',
  json: { type: 'string', format: 'uri', pattern: HTTP_URL.source },
  convert(input) {
    if (typeof input !== 'string' || !URL.canParse(input)) return { ok: false };
    // WHATWG URLs drop leading spaces and take other schemes; the published pattern does neither.
    const parsed = new URL(input);
    if (!HTTP_URL.test(input)) {
      return { ok: false, message: `expected an http:// or https:// URL, got ${parsed.protocol} URL` };
    }
    return { ok: true, value: parsed };
  },
});

/** The http executor's `executor_config`: every key of Dkron's http executor. */
export const httpConfig = c.object(
  {
    method,
    url,
    headers: headersSchema,
    body: c.string({ description: 'Request body, sent as is.' }).default(''),
    timeout: c
      .duration({
        min: 0,
        description:
          'Time for the whole request, body included: seconds (Dkron’s form, 30 or "30") or a Go duration ' +
          'like 1m30s. 0: none.',
      })
      .default(30_000),
    expectCode: expectCodeSchema,
    expectBody: expectBodySchema,
    debug: c
      .boolean({
        anyText: true,
        description:
          'Logs the request and the response (secrets redacted) and starts the output with the config. ' +
          'Any non-empty value but false/0 turns it on (Dkron).',
      })
      .default(false),
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
  },
  {
    check(config) {
      if (config.tlsCertificateFile !== '' && config.tlsCertificateKeyFile === '') {
        return { key: 'tlsCertificateKeyFile', message: 'is required with tlsCertificateFile' };
      }
      if (config.tlsCertificateKeyFile !== '' && config.tlsCertificateFile === '') {
        return { key: 'tlsCertificateFile', message: 'is required with tlsCertificateKeyFile' };
      }
      return undefined;
    },
  },
);

/** The parsed http executor config. */
export type HttpConfig = InferConfig<typeof httpConfig>;
