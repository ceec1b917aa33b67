import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeNodeCert, type TestNodeCert } from '../../../../test/e2e/helpers/certs.js';
import { loadConfig } from '../config/load-config.js';
import { readNodeTls, rqlitedNodeTls } from './node-tls.js';

let dir: string;
let good: TestNodeCert;
let other: TestNodeCert;
let expired: TestNodeCert;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-node-tls-config-'));
  const ca = await makeCa(dir, 'ca');
  good = await makeNodeCert(ca, 'n1');
  other = await makeNodeCert(ca, 'n2');
  expired = await makeNodeCert(ca, 'n3', { expired: true });
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (c: TestNodeCert) => ({ tlsCert: c.cert, tlsKey: c.key, tlsCa: c.ca });

describe('readNodeTls', () => {
  it('reads the three files, and nothing without --tls-cert', async () => {
    const tls = await readNodeTls(config(good));
    expect(tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls?.key.toString()).toContain('PRIVATE KEY');
    expect(await readNodeTls({ tlsCert: '', tlsKey: '', tlsCa: '' })).toBeUndefined();
    expect(rqlitedNodeTls(config(good))).toEqual({
      nodeTls: { cert: good.cert, key: good.key, ca: good.ca },
    });
    expect(rqlitedNodeTls({ tlsCert: '', tlsKey: '', tlsCa: '' })).toEqual({});
  });

  it('fails the start naming the option: unreadable, not a certificate, another key, expired', async () => {
    await expect(readNodeTls({ ...config(good), tlsCa: join(dir, 'missing.pem') })).rejects.toThrow(
      /^--tls-ca: cannot read .*missing\.pem/,
    );
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate');
    await expect(readNodeTls({ ...config(good), tlsCert: junk })).rejects.toThrow(
      /^--tls-cert: .* holds no PEM certificate/,
    );
    await expect(readNodeTls({ ...config(good), tlsKey: junk })).rejects.toThrow(
      /^--tls-key: .* holds no PEM private key/,
    );
    await expect(readNodeTls({ ...config(good), tlsKey: other.key })).rejects.toThrow(
      /^--tls-key: .* is not the key of --tls-cert/,
    );
    await expect(readNodeTls(config(expired))).rejects.toThrow(
      /^--tls-cert: the certificate in .* is not valid now/,
    );
  });
});

describe('--tls-cert, --tls-key, --tls-ca', () => {
  it('go together, and are resolved against the working directory', async () => {
    await expect(
      loadConfig({ argv: ['--tls-cert', 'a.pem'], env: {}, cwd: dir, etcDir: dir, home: dir }),
    ).rejects.toThrow(/tls-cert, tls-key and tls-ca go together/);
    const { config: loaded } = await loadConfig({
      argv: ['--tls-cert', 'a.pem', '--tls-key', 'a.key'],
      env: { DKRON_TLS_CA: 'ca.pem' },
      cwd: dir,
      etcDir: dir,
      home: dir,
    });
    expect([loaded.tlsCert, loaded.tlsKey, loaded.tlsCa]).toEqual([
      join(dir, 'a.pem'),
      join(dir, 'a.key'),
      join(dir, 'ca.pem'),
    ]);
  });
});
