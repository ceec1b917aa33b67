import type { Conversion } from './custom-schema.js';
import { shown } from './custom-schema.js';

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

const URL_FORM =
  /^(?:(?:grpcs?|dns):\/\/\/?)?((?:\[[0-9A-Fa-f:.]+\]|[^/\s:[\]]+):\d{1,5})\/([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\/([A-Za-z_]\w*)$/;

/** Parses Dkron's `url`. */
export function parseTarget(input: unknown): Conversion<GrpcTarget> {
  const m = typeof input === 'string' ? URL_FORM.exec(input.trim()) : null;
  if (m === null) {
    return { ok: false, message: `expected host:port/package.Service/Method, got ${shown(input)}` };
  }
  const [, address, service, method] = m as unknown as [string, string, string, string];
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (port < 1 || port > 65535) return { ok: false, message: `port ${port} is out of range` };
  return { ok: true, value: { address, service, method, path: `/${service}/${method}` } };
}
