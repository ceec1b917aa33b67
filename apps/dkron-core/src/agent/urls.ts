import type { AddressInfo } from 'node:net';

/** Where a started agent answers, for its start-up log line. */
export interface ListenUrls {
  /** The address bound, e.g. `[::]:8080` (all interfaces) or `127.0.0.1:8080`. */
  readonly listen: string;
  /** Base URL of the v1 API, e.g. `http://localhost:8080/v1/`. */
  readonly api: string;
  /** The web UI, when it is served. */
  readonly ui?: string;
}

const WILDCARDS: ReadonlySet<string> = new Set(['::', '0.0.0.0', '::ffff:0.0.0.0']);

/** The URLs of a server bound to `address`; a wildcard bind is shown as `localhost`. */
export function listenUrls(
  address: AddressInfo,
  options: { readonly ui: boolean; readonly https?: boolean },
): ListenUrls {
  const v6 = address.family === 'IPv6' || address.address.includes(':');
  const bound = v6 ? `[${address.address}]` : address.address;
  const host = WILDCARDS.has(address.address) ? 'localhost' : bound;
  const base = `${options.https ? 'https' : 'http'}://${host}:${address.port}`;
  return {
    listen: `${bound}:${address.port}`,
    api: `${base}/v1/`,
    ...(options.ui ? { ui: `${base}/ui/` } : {}),
  };
}
