import type { AgentConfig } from '../config/agent-config.js';

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * The host a server's gRPC listener binds: `--bind-addr`'s host. Without `--encrypt` or mTLS
 * (`--tls-cert`, which requires a client certificate of `--tls-ca`) nothing authenticates the agents that connect (and a connected agent is trusted with its reports), so a
 * wildcard host (the default `0.0.0.0`) binds loopback only; naming a host in `--bind-addr` binds it
 * anyway, with a warning.
 */
export function rpcListenHost(config: Pick<AgentConfig, 'bindAddr' | 'encrypt'> & { tlsCert?: string }): {
  host: string;
  warning?: string;
} {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*))(?::\d+)?$/.exec(config.bindAddr.trim());
  const host = match?.[1] ?? match?.[2] ?? '';
  if (config.encrypt !== '' || (config.tlsCert ?? '') !== '')
    return { host: WILDCARDS.has(host) ? '0.0.0.0' : host };
  if (WILDCARDS.has(host)) {
    return {
      host: '127.0.0.1',
      warning:
        'the gRPC listener for agents binds 127.0.0.1 only, because neither --encrypt nor --tls-cert is set; set --encrypt (dkron-core keygen) or --tls-cert/--tls-key/--tls-ca to accept agents from other hosts',
    };
  }
  return {
    host,
    warning: `the gRPC listener for agents binds ${host} without --encrypt or --tls-cert: any node that reaches it can join and report executions`,
  };
}
