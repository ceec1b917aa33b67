import { c, type InferConfig } from '@dkron-core/plugin-api';
import { type Conversion, customSchema, refineObject, requiredSchema, shown } from './custom-schema.js';
import { timeoutSchema } from './duration.js';
import { headersSchema } from './headers.js';
import { parseTarget } from './target.js';

/** gRPC status names by code. */
export const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const expectCode = customSchema<number>(
  {
    json: {
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 16 },
        { type: 'string', pattern: '^([0-9]|1[0-6])$' },
        { type: 'string', enum: [...STATUS_NAMES] },
      ],
    },
    convert(input): Conversion<number> {
      const text = String(input).trim();
      const byName = STATUS_NAMES.indexOf(text.toUpperCase() as (typeof STATUS_NAMES)[number]);
      if (byName >= 0 && typeof input === 'string' && !/^\d+$/.test(text)) return { ok: true, value: byName };
      const n = typeof input === 'number' || /^\d+$/.test(text) ? Number(text) : Number.NaN;
      return Number.isInteger(n) && n >= 0 && n <= 16
        ? { ok: true, value: n }
        : {
            ok: false,
            message: `expected a gRPC status code 0-16 or its name (OK, NOT_FOUND, …), got ${shown(input)}`,
          };
    },
  },
  'The gRPC status code that counts as success: 0-16 or its name (OK, NOT_FOUND, …). Default 0 (OK).',
  { value: 0, json: 0 },
);

const body = customSchema<unknown>(
  {
    json: { anyOf: [{ type: 'string', contentMediaType: 'application/json' }, { type: 'object' }] },
    convert(input): Conversion<unknown> {
      if (typeof input === 'object' && input !== null && !Array.isArray(input))
        return { ok: true, value: input };
      if (typeof input !== 'string')
        return { ok: false, message: `expected a JSON object, got ${shown(input)}` };
      try {
        const value: unknown = JSON.parse(input);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ok: true, value };
      } catch {
        // Reported below.
      }
      return { ok: false, message: `expected a JSON object (the request message), got ${shown(input)}` };
    },
  },
  'The request message as JSON (proto3 JSON mapping: lowerCamelCase or original field names).',
  { value: {}, json: '' },
);

const list = (description: string) =>
  customSchema<string[]>(
    {
      json: { type: 'string' },
      convert: (input): Conversion<string[]> =>
        typeof input === 'string'
          ? {
              ok: true,
              value: input
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
            }
          : { ok: false, message: `expected a comma-separated list of paths, got ${shown(input)}` },
    },
    description,
    { value: [], json: '' },
  );

/** The grpc executor's `executor_config`: Dkron's keys, plus .proto files and TLS. */
export const grpcConfig = refineObject(
  c.object({
    url: requiredSchema(
      {
        json: { type: 'string', pattern: '^[^/\\s]+:\\d+/[A-Za-z_][\\w.]*/[A-Za-z_]\\w*$' },
        convert: parseTarget,
      },
      'What to call: host:port/package.Service/Method.',
    ),
    body,
    headers: headersSchema,
    timeout: timeoutSchema(
      30,
      'Time for the whole run, reflection and call: seconds or a Go duration. 0: none. Default 30.',
    ),
    expectCode,
    protoFiles: list(
      'dkron-core: comma-separated .proto files (on the agent) that define the service, for servers without reflection.',
    ),
    protoImportPaths: list('dkron-core: comma-separated directories searched for the imports of protoFiles.'),
    tlsEnable: c
      .boolean({ description: 'dkron-core: connect with TLS (Dkron: plaintext only).' })
      .default(false),
    tlsNoVerifyPeer: c
      .boolean({ description: 'dkron-core: with tlsEnable, do not verify the server’s certificate.' })
      .default(false),
    tlsRootCAsFile: c
      .string({ description: 'dkron-core: CA certificates (PEM file) trusted instead of the system’s.' })
      .default(''),
    tlsCertificateFile: c
      .string({ description: 'dkron-core: client certificate (PEM file) for mutual TLS.' })
      .default(''),
    tlsCertificateKeyFile: c
      .string({ description: 'dkron-core: private key (PEM file) of tlsCertificateFile.' })
      .default(''),
  }),
  (config) => {
    if (config.tlsCertificateFile !== '' && config.tlsCertificateKeyFile === '') {
      return { key: 'tlsCertificateKeyFile', message: 'is required with tlsCertificateFile' };
    }
    if (config.tlsCertificateKeyFile !== '' && config.tlsCertificateFile === '') {
      return { key: 'tlsCertificateFile', message: 'is required with tlsCertificateKeyFile' };
    }
    const tlsKey = (['tlsNoVerifyPeer', 'tlsRootCAsFile', 'tlsCertificateFile'] as const).find(
      (k) => config[k] !== false && config[k] !== '',
    );
    if (tlsKey !== undefined && !config.tlsEnable)
      return { key: 'tlsEnable', message: `must be true with ${tlsKey}` };
    if (config.protoImportPaths.length > 0 && config.protoFiles.length === 0) {
      return { key: 'protoFiles', message: 'is required with protoImportPaths' };
    }
    return undefined;
  },
);

/** The parsed grpc executor config. */
export type GrpcConfig = InferConfig<typeof grpcConfig>;
