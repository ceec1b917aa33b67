import * as grpc from '@grpc/grpc-js';

/**
 * Node-to-node mTLS (`--tls-cert`, `--tls-key`, `--tls-ca`): the server presents its certificate and
 * requires one from every agent, both chaining to the CA; the agent checks the server's certificate
 * (chain and host name: the address it dials must be in the certificate's subject alternative names).
 */
export interface NodeTls {
  /** PEM certificate (chain) of this node. */
  readonly cert: Buffer;
  /** PEM private key of `cert`. */
  readonly key: Buffer;
  /** PEM CA certificate(s) the other nodes' certificates must chain to. */
  readonly ca: Buffer;
}

/** The credentials of a server's gRPC listener: client certificates required when `tls` is given. */
export function serverCredentials(tls: NodeTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

/** The credentials of an agent's channel to a server. */
export function channelCredentials(tls: NodeTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key, tls.cert);
}

/** What a failed connection's error means when TLS is involved, for the join error. */
export function tlsHint(tls: NodeTls | undefined, error: string): string {
  if (!tls) return error;
  return `${error} (with --tls-cert: the server must present a certificate of --tls-ca naming the address dialled, and accept this node's)`;
}
