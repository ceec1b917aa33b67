import { c, type InferConfig } from '@dkron-core/plugin-api';
import { headersSchema } from './headers.js';
import { parseTarget, TARGET } from './target.js';
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

const expectCode = c
  .custom<number>({
    expected: 'a gRPC status code 0-16 or its name (OK, NOT_FOUND, …)',
    description:
      'The gRPC status code that counts as success: 0-16, or its name in capitals (OK, NOT_FOUND, …).',
    json: { type: 'integer', minimum: 0, maximum: 16 },
    text: { type: 'string', pattern: `^([0-9]|1[0-6]|${STATUS_NAMES.join('|')})$` },
    convert(input) {
      if (typeof input === 'number') {
        return Number.isInteger(input) && input >= 0 && input <= 16
          ? { ok: true, value: input }
          : { ok: false };
      }
      if (typeof input !== 'string') return { ok: false };
      if (/^([0-9]|1[0-6])$/.test(input)) return { ok: true, value: Number(input) };
      const byName = (STATUS_NAMES as readonly string[]).indexOf(input);
      return byName >= 0 ? { ok: true, value: byName } : { ok: false };
    },
  })
  .default(0);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const body = c
  .custom<Record<string, unknown>>({
    expected: 'a JSON object (the request message)',
    description: 'The request message as JSON (proto3 JSON mapping: lowerCamelCase or original field names).',
    json: { type: 'object' },
    text: { type: 'string', contentMediaType: 'application/json' },
    convert(input) {
      if (isObject(input)) return { ok: true, value: input };
      if (typeof input !== 'string') return { ok: false };
      try {
        const value: unknown = JSON.parse(input);
        return isObject(value) ? { ok: true, value } : { ok: false };
      } catch {
        return { ok: false };
      }
    },
  })
  .default({});

const list = (description: string) =>
  c
    .custom<string[]>({
      expected: 'a comma-separated list of paths',
      description,
      json: { type: 'string' },
      toInput: (paths) => paths.join(','),
      convert: (input) =>
        typeof input === 'string'
          ? {
              ok: true,
              value: input
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== ''),
            }
          : { ok: false },
    })
    .default([]);

/** The grpc executor's `executor_config`: Dkron's keys, plus .proto files and TLS. */
export const grpcConfig = c.object(
  {
    url: c.custom({
      expected: 'host:port/package.Service/Method',
      description: 'What to call: host:port/package.Service/Method.',
      json: { type: 'string', pattern: TARGET.source },
      convert: parseTarget,
    }),
    body,
    headers: headersSchema,
    timeout: c
      .duration({
        min: 0,
        description:
          'Time for the whole run, reflection and call: seconds (30 or "30", Dkron’s form) or a Go duration. ' +
          '0: none.',
      })
      .default(30_000),
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
  },
  {
    check(config) {
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
  },
);

/** The parsed grpc executor config. */
export type GrpcConfig = InferConfig<typeof grpcConfig>;
