import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { NodeTls } from '@dkron-core/cluster';
import { DkronError } from '@dkron-core/plugin-api';
import type { AgentConfig } from '../config/agent-config.js';

type TlsConfig = Pick<AgentConfig, 'tlsCert' | 'tlsKey' | 'tlsCa'>;

async function readPem(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new DkronError('VALIDATION', `--${flag}: cannot read ${path}: ${(cause as Error).message}`, {
      cause,
      details: { field: flag },
    });
  }
}

function checkCertificate(flag: string, path: string, pem: Buffer, now: number): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (cause) {
    throw new DkronError('VALIDATION', `--${flag}: ${path} holds no PEM certificate`, {
      cause,
      details: { field: flag },
    });
  }
  if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now) {
    throw new DkronError(
      'VALIDATION',
      `--${flag}: the certificate in ${path} is not valid now (valid from ${cert.validFrom} to ${cert.validTo}); other nodes would refuse it`,
      { details: { field: flag } },
    );
  }
  return cert;
}

function checkKey(config: TlsConfig, cert: X509Certificate, pem: Buffer): void {
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(pem));
  } catch (cause) {
    throw new DkronError('VALIDATION', `--tls-key: ${config.tlsKey} holds no PEM private key`, {
      cause,
      details: { field: 'tls-key' },
    });
  }
  if (!matches) {
    throw new DkronError(
      'VALIDATION',
      `--tls-key: ${config.tlsKey} is not the key of --tls-cert ${config.tlsCert}`,
      {
        details: { field: 'tls-key' },
      },
    );
  }
}

/**
 * The node-to-node mTLS material of `--tls-cert`, `--tls-key` and `--tls-ca` (the config loader makes
 * sure all three or none are set), read and checked at start: a missing file, a file that is no
 * certificate, a key not of the certificate, or an expired certificate fails the start with the option named.
 */
export async function readNodeTls(config: TlsConfig, now = Date.now()): Promise<NodeTls | undefined> {
  if (config.tlsCert === '') return undefined;
  const cert = await readPem('tls-cert', config.tlsCert);
  const key = await readPem('tls-key', config.tlsKey);
  const ca = await readPem('tls-ca', config.tlsCa);
  checkKey(config, checkCertificate('tls-cert', config.tlsCert, cert, now), key);
  checkCertificate('tls-ca', config.tlsCa, ca, now);
  return { cert, key, ca };
}

/**
 * The embedded rqlited's node-to-node TLS (its Raft and join traffic): the same certificate, key and CA,
 * with client verification (`-node-verify-client`), so a node without a certificate of the CA cannot
 * join the Raft group either.
 */
export function rqlitedNodeTls(config: TlsConfig): { nodeTls?: { cert: string; key: string; ca: string } } {
  if (config.tlsCert === '') return {};
  return { nodeTls: { cert: config.tlsCert, key: config.tlsKey, ca: config.tlsCa } };
}
