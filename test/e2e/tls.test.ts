/**
 * `--https-cert` and `--https-key`: the API over TLS only, and the CLI reaching it with the
 * certificate trusted through Node's `NODE_EXTRA_CA_CERTS`.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, DKRON_CORE_BIN, startAgent } from './helpers/index.js';

const CERT = fileURLToPath(new URL('../fixtures/tls/cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('../fixtures/tls/key.pem', import.meta.url));
const ca = readFileSync(CERT);

let agent: AgentHandle;
const trusted = new Agent({ connect: { ca } });

beforeAll(async () => {
  agent = await startAgent({ args: ['--https-cert', CERT, '--https-key', KEY], https: { ca } });
});

afterAll(async () => {
  await trusted.close();
  await agent?.stop();
});

describe('the API over TLS', () => {
  it('serves HTTPS with the configured certificate', async () => {
    expect(agent.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${agent.baseUrl}/v1/jobs`, { dispatcher: trusted });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('refuses a client that does not trust the certificate, and plain HTTP', async () => {
    await expect(fetch(`${agent.baseUrl}/health`)).rejects.toThrow();
    const plain = await fetch(agent.baseUrl.replace('https:', 'http:') + '/health').then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it('is reached by the CLI with NODE_EXTRA_CA_CERTS', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DKRON_')));
    const child = spawn(
      process.execPath,
      [DKRON_CORE_BIN, 'backup', '--file', '-', '--http-addr', agent.baseUrl],
      {
        env: { ...env, NODE_EXTRA_CA_CERTS: CERT },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(JSON.parse(out)).toEqual([]);
  });
});
