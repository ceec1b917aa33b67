import type { AgentConfig } from '../config/agent-config.js';

/** `host:port`, `:port`, `[v6]:port` or a bare host → its parts (absent when not given). */
function splitHostPort(addr: string): { host?: string; port?: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(addr.trim());
  if (!match) return {};
  const host = match[1] ?? match[2] ?? '';
  return { ...(host === '' ? {} : { host }), ...(match[3] === undefined ? {} : { port: Number(match[3]) }) };
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The address and port this node shows as its member `Addr` and `Port` (Serf's fields in Dkron):
 * `--advertise-addr` when set (its port, or the bind port when it names none), else `--bind-addr`. A
 * wildcard bind host is advertised as loopback, the only address a single node is sure to answer on.
 */
export function advertisedAddress(config: Pick<AgentConfig, 'bindAddr' | 'advertiseAddr'>): {
  addr: string;
  port: number;
} {
  const bind = splitHostPort(config.bindAddr);
  const advertise = splitHostPort(config.advertiseAddr);
  const bindHost = bind.host === undefined || WILDCARDS.has(bind.host) ? '127.0.0.1' : bind.host;
  return { addr: advertise.host ?? bindHost, port: advertise.port ?? bind.port ?? 8946 };
}
