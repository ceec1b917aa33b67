/**
 * Certificates made with openssl for node-to-node TLS tests: a CA, and node certificates signed by
 * it for loopback (SAN IP 127.0.0.1 and DNS localhost), valid or already expired. Arguments are passed
 * to openssl as an array, never through a shell.
 */

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: readonly string[]): Promise<void> {
  await run('openssl', [...args]);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'] as const;

/** A CA: its certificate and key files. */
export interface TestCa {
  readonly dir: string;
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}

/** A node's certificate files (`ca` is the CA file of its issuer). */
export interface TestNodeCert {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Makes a self-signed CA named `name` in `dir`. */
export async function makeCa(dir: string, name: string): Promise<TestCa> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, name, cert, key };
}

/**
 * A node certificate for loopback signed by `ca`, usable as server and client certificate. `expired`:
 * its validity ended a day before it began (openssl `-days -1`), so every peer refuses it.
 */
export async function makeNodeCert(
  ca: TestCa,
  name: string,
  options: { expired?: boolean } = {},
): Promise<TestNodeCert> {
  const base = join(ca.dir, `${ca.name}-${name}`);
  const ext = `${base}.ext`;
  await writeFile(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await openssl(['req', ...EC, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${base}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    options.expired ? '-1' : '2',
    '-extfile',
    ext,
    '-out',
    `${base}.pem`,
  ]);
  return { cert: `${base}.pem`, key: `${base}.key`, ca: ca.cert };
}
