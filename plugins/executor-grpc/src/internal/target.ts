import type { Conversion } from '@dkron-core/plugin-api';

/** Where a grpc job calls: `host:port/package.Service/Method`. */
export interface GrpcTarget {
  /** `host:port`, as grpc-js dials it. */
  readonly address: string;
  /** Fully qualified service name, `package.Service`. */
  readonly service: string;
  readonly method: string;
  /** The HTTP/2 path of the call, `/package.Service/Method`. */
  readonly path: string;
}

// 1-65535, without leading zeros.
const PORT = '([1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';

/** Dkron's `url`, with an optional `grpc://` or `dns:///` prefix; also the published pattern. */
export const TARGET = new RegExp(
  `^(?:(?:grpcs?|dns):\\/\\/\\/?)?((?:\\[[0-9A-Fa-f:.]+\\]|[^/\\s:[\\]]+):${PORT})` +
    '\\/([A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*)*)\\/([A-Za-z_]\\w*)$',
);

/** Parses Dkron's `url`. */
export function parseTarget(input: unknown): Conversion<GrpcTarget> {
  const m = typeof input === 'string' ? TARGET.exec(input) : null;
  if (m === null) return { ok: false };
  const [, address, , service, method] = m as unknown as [string, string, string, string, string];
  return { ok: true, value: { address, service, method, path: `/${service}/${method}` } };
}
