import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestHost, type TestHost } from '@dkron-core/plugin-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/fixtures/http-test-server.js';
import { makeTestCa, type TestCa } from '../../../test/fixtures/tls/make-ca.js';
import { httpExecutor } from './index.js';

let harness: TestHost;
let server: TestServer;
const plugin = httpExecutor({ maxBodyBytes: 1000 });

beforeAll(async () => {
  harness = createTestHost();
  await harness.install(plugin);
  server = await startTestServer();
});
afterAll(async () => {
  await plugin.close?.();
  await server.close();
});

const run = (config: Record<string, unknown>, context = harness.createContext()) =>
  harness.execute('http', config, context);

describe('http executor: requests and outcomes', () => {
  it('succeeds with the status line and the body as output', async () => {
    const { result, context } = await run({ method: 'GET', url: `${server.url}/ok` });
    expect(result).toEqual({ success: true });
    expect(context.text()).toBe('200 OK\nhello');
  });

  it('sends the method, the body and the headers, values with colons kept whole', async () => {
    const { result, context } = await run({
      method: 'POST',
      url: `${server.url}/echo`,
      headers: '["Content-Type: text/plain", "X-Target: http://a.example:8080/x", "X-Empty:"]',
      body: 'payload',
    });
    expect(result.success).toBe(true);
    const echoed = JSON.parse(context.text().split('\n').slice(1).join('\n'));
    expect(echoed).toMatchObject({
      method: 'POST',
      body: 'payload',
      headers: { 'content-type': 'text/plain', 'x-target': 'http://a.example:8080/x', 'x-empty': '' },
    });
  });

  it('accepts the headers as a native list too', async () => {
    const { context } = await run({ method: 'GET', url: `${server.url}/echo`, headers: ['X-A: 1'] });
    expect(context.text()).toContain('"x-a":"1"');
  });

  it.each([
    ['200', 200, true],
    ['2xx', 204, true],
    ['200-204', 203, true],
    ['200, 404', 404, true],
    ['200', 500, false],
    ['2xx,3xx', 404, false],
  ])('expectCode %s with status %i: success %s', async (expectCode, code, success) => {
    const { result } = await run({ method: 'GET', url: `${server.url}/status?code=${code}`, expectCode });
    expect(result.success).toBe(success);
    if (!success) {
      expect(result.error).toBe(
        `received response code does not match the expected code: got ${code}, expected ${expectCode.replaceAll(' ', '')}`,
      );
    }
  });

  it('counts any status as success without expectCode, as Dkron does', async () => {
    const { result, context } = await run({ method: 'GET', url: `${server.url}/status?code=500` });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('500 Internal Server Error\nstatus 500');
  });

  it('checks expectBody as a regular expression, Go flags included', async () => {
    const ok = await run({ method: 'GET', url: `${server.url}/ok`, expectBody: '^hel+o$' });
    expect(ok.result.success).toBe(true);
    const flags = await run({ method: 'GET', url: `${server.url}/ok`, expectBody: '(?i)HELLO' });
    expect(flags.result.success).toBe(true);
    const bad = await run({ method: 'GET', url: `${server.url}/ok`, expectBody: 'goodbye' });
    expect(bad.result).toEqual({
      success: false,
      error: 'received response body did not match the expected body: goodbye',
    });
  });

  it('follows redirects like Go’s client', async () => {
    const { result, context } = await run({
      method: 'GET',
      url: `${server.url}/redirect`,
      expectCode: '200',
    });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('200 OK\nhello');
  });

  it('turns a POST into a GET without body on 303, keeps it on 307', async () => {
    const see = await run({ method: 'POST', url: `${server.url}/redirect-to?code=303&to=/echo`, body: 'b' });
    expect(JSON.parse(see.context.text().split('\n')[1] ?? '')).toMatchObject({ method: 'GET', body: '' });
    const temp = await run({ method: 'POST', url: `${server.url}/redirect-to?code=307&to=/echo`, body: 'b' });
    expect(JSON.parse(temp.context.text().split('\n')[1] ?? '')).toMatchObject({ method: 'POST', body: 'b' });
  });

  it('sends no credentials to another host after a redirect', async () => {
    const other = server.url.replace('127.0.0.1', 'localhost');
    const { context } = await run({
      method: 'GET',
      url: `${server.url}/redirect-to?to=${encodeURIComponent(`${other}/echo`)}`,
      headers: ['Authorization: Bearer abc', 'X-Kept: yes'],
    });
    const echoed = JSON.parse(context.text().split('\n')[1] ?? '');
    expect(echoed.headers['x-kept']).toBe('yes');
    expect(echoed.headers.authorization).toBeUndefined();
  });

  it('stops after maxRedirections redirects', async () => {
    const loop = `${server.url}/redirect-to?to=${encodeURIComponent('/redirect-to?to=/redirect-to')}`;
    const limited = httpExecutor({ maxRedirections: 1 });
    const host = createTestHost();
    await host.install(limited);
    const { result } = await host.execute('http', { method: 'GET', url: loop });
    expect(result).toEqual({ success: false, error: `http: GET ${loop}: stopped after 1 redirects` });
    const none = httpExecutor({ maxRedirections: 0 });
    const host0 = createTestHost();
    await host0.install(none);
    const direct = await host0.execute('http', {
      method: 'GET',
      url: `${server.url}/redirect`,
      expectCode: '302',
    });
    expect(direct.result.success).toBe(true);
    await Promise.all([limited.close?.(), none.close?.()]);
  });

  it('keeps the first maxBodyBytes of a large body and stops downloading', async () => {
    const { result, context } = await run({ method: 'GET', url: `${server.url}/big?size=5000000` });
    expect(result.success).toBe(true);
    const text = context.text();
    expect(
      text.startsWith(`200 OK\n${'x'.repeat(1000)}\n[body truncated: the first 1000 bytes are shown]`),
    ).toBe(true);
    expect(context.output.bytesWritten).toBeLessThan(1200);
  });

  it('streams the body as it arrives', async () => {
    const seen: string[] = [];
    let sawFirst: () => void = () => {};
    const firstSeen = new Promise<void>((resolve) => {
      sawFirst = resolve;
    });
    const context = harness.createContext({
      onOutput: (chunk) => {
        seen.push(chunk);
        if (chunk.includes('first chunk')) sawFirst();
      },
    });
    const running = run({ method: 'GET', url: `${server.url}/stream` }, context);
    // The server sends the second chunk only once the first reached the output.
    await firstSeen;
    expect(seen.join('')).toBe('200 OK\nfirst chunk\n');
    server.releaseStream();
    const { result } = await running;
    expect(result.success).toBe(true);
    expect(context.text()).toBe('200 OK\nfirst chunk\nsecond chunk\n');
  });
});

describe('http executor: plugin options', () => {
  it('refuses bad options when the plugin is made', () => {
    expect(() => httpExecutor({ maxBodyBytes: 0 })).toThrow(
      '@dkron-core/executor-http: option maxBodyBytes must be an integer >= 1, got 0',
    );
    expect(() => httpExecutor({ maxRedirections: '3' as unknown as number })).toThrow(
      'option maxRedirections',
    );
  });
});

describe('http executor: failures', () => {
  it('fails when the server is unreachable', async () => {
    const { result } = await run({ method: 'GET', url: 'http://127.0.0.1:1/ok' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/^http: GET http:\/\/127\.0\.0\.1:1\/ok: .*ECONNREFUSED/);
  });

  it('honours timeout with its own signal', async () => {
    const arrived = server.arrived('/hang');
    const { result } = await run({ method: 'GET', url: `${server.url}/hang`, timeout: '150ms' });
    await arrived;
    expect(result).toEqual({ success: false, error: `http: GET ${server.url}/hang: timed out after 150ms` });
  });

  it('takes native JSON numbers and booleans where Dkron means a number, a code or a switch', () => {
    const parse = (config: Record<string, unknown>) =>
      harness.executor('http').config.parse({ method: 'GET', url: server.url, ...config });
    const native = parse({ expectCode: 200, timeout: 30, debug: true, tlsNoVerifyPeer: false });
    const dkron = parse({ expectCode: '200', timeout: '30', debug: 'yes', tlsNoVerifyPeer: 'false' });
    expect(native).toEqual(dkron);
    expect(native).toMatchObject({ timeout: 30_000, debug: true, expectCode: { text: '200' } });
    expect(parse({ timeout: 2.5 })).toMatchObject({ timeout: 2500 });
    expect(parse({ debug: false })).toMatchObject({ debug: false });
    expect(parse({ debug: '0' })).toMatchObject({ debug: false });
  });

  it('succeeds on a JSON-number expectCode and fails on another status', async () => {
    const ok = await run({ method: 'GET', url: `${server.url}/status?code=201`, expectCode: 201 });
    expect(ok.result.success).toBe(true);
    const bad = await run({ method: 'GET', url: `${server.url}/status?code=202`, expectCode: 201 });
    expect(bad.result).toMatchObject({
      success: false,
      error: 'received response code does not match the expected code: got 202, expected 201',
    });
  });

  it('reads a bare timeout as seconds (Dkron’s form)', () => {
    const config = harness.executor('http').config.parse({ method: 'GET', url: server.url, timeout: '5' });
    expect(config).toMatchObject({ timeout: 5000 });
    expect(harness.executor('http').config.parse({ method: 'GET', url: server.url })).toMatchObject({
      timeout: 30_000,
    });
  });

  it('stops when the execution is cancelled', async () => {
    const context = harness.createContext();
    const arrived = server.arrived('/hang');
    const running = run({ method: 'GET', url: `${server.url}/hang` }, context);
    await arrived;
    context.controller.abort();
    const { result } = await running;
    expect(result).toEqual({ success: false, error: `http: GET ${server.url}/hang: cancelled` });
  });

  it('does not send a request when cancelled before the start', async () => {
    const before = server.seen.length;
    const context = harness.createContext();
    context.controller.abort();
    const { result } = await run({ method: 'GET', url: `${server.url}/ok` }, context);
    expect(result.success).toBe(false);
    expect(result.error).toContain('cancelled before it started');
    expect(server.seen.length).toBe(before);
  });
});

describe('http executor: config refused at save', () => {
  const parse = (config: Record<string, unknown>) => () =>
    harness.executor('http').config.parse(config, 'executor_config');

  it.each([
    [{ url: 'http://x' }, 'executor_config.method: is required'],
    [{ method: 'GET' }, 'executor_config.url: is required'],
    [{ method: 'GET', url: '' }, 'executor_config.url: is required'],
    [{ method: 'G ET', url: 'http://x' }, 'executor_config.method: expected an HTTP method'],
    [{ method: 'GET', url: 'not a url' }, 'executor_config.url: expected an http:// or https:// URL'],
    [
      { method: 'GET', url: 'ftp://x/' },
      'executor_config.url: expected an http:// or https:// URL, got ftp: URL',
    ],
    [{ method: 'GET', url: 'http://x', headers: '[oops' }, 'executor_config.headers: expected a JSON array'],
    [
      { method: 'GET', url: 'http://x', headers: '["NoColon"]' },
      'executor_config.headers: entry 0: expected "Name: value"',
    ],
    [
      { method: 'GET', url: 'http://x', headers: '["Bad Name: v"]' },
      'executor_config.headers: entry 0: "Bad Name" is not',
    ],
    [
      { method: 'GET', url: 'http://x', timeout: 'soon' },
      'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds',
    ],
    [
      { method: 'GET', url: 'http://x', timeout: '-1' },
      'executor_config.timeout: expected a duration like "30s" or "1h30m", or a number of seconds',
    ],
    [
      { method: 'GET', url: 'http://x', timeout: -1 },
      'executor_config.timeout: expected a duration of at least 0 ms',
    ],
    [
      { method: 'GET', url: 'http://x', expectCode: 2.5 },
      'executor_config.expectCode: "2.5" is not a status code',
    ],
    [
      { method: 'GET', url: 'http://x', expectCode: '200,,204' },
      'executor_config.expectCode: "" is not a status code',
    ],
    [{ method: 'GET', url: 'http://x', debug: 1 }, 'executor_config.debug: expected a boolean, got 1'],
    [
      { method: 'GET', url: 'http://x', expectCode: '1200' },
      'executor_config.expectCode: "1200" is not a status code',
    ],
    [
      { method: 'GET', url: 'http://x', expectCode: '204-200' },
      'executor_config.expectCode: range "204-200" ends',
    ],
    [
      { method: 'GET', url: 'http://x', expectBody: '(' },
      'executor_config.expectBody: invalid regular expression',
    ],
    [
      { method: 'GET', url: 'http://x', expectBody: '(?U)a+' },
      'executor_config.expectBody: the regular expression flag U',
    ],
    [
      { method: 'GET', url: 'http://x', tlsNoVerifyPeer: 'maybe' },
      'executor_config.tlsNoVerifyPeer: expected a boolean',
    ],
    [
      { method: 'GET', url: 'http://x', tlsCertificateFile: '/c.pem' },
      'executor_config.tlsCertificateKeyFile: is required with tlsCertificateFile',
    ],
  ])('%j → %s', (config, message) => {
    expect(parse(config)).toThrow(message);
    try {
      parse(config)();
    } catch (error) {
      expect((error as { details: { field: string } }).details.field).toBe(message.split(':')[0]);
    }
  });
});

describe('http executor: secrets', () => {
  it('sends URL credentials as basic auth and shows them nowhere', async () => {
    const context = harness.createContext();
    const { result } = await run(
      {
        method: 'GET',
        url: `${server.url.replace('://', '://alice:s3cr3t-pw@')}/echo?token=t0k3n-value`,
        headers: '["X-Api-Key: k3y-value", "Cookie: session=c00kie", "X-Plain: visible"]',
        debug: 'true',
        expectCode: '500',
      },
      context,
    );
    expect(result.success).toBe(false);
    const echoed = server.seen.at(-1);
    expect(echoed?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cr3t-pw').toString('base64')}`);
    const configLine = context.text().split('\n')[0] ?? '';
    expect(configLine).toContain('X-Plain: visible');
    expect(configLine).toContain('X-Api-Key: [redacted]');
    expect(configLine).toContain('Authorization: [redacted]');
    const logged = JSON.stringify(harness.logs);
    expect(logged).toContain('http request');
    const everything = configLine + JSON.stringify(result) + logged;
    for (const secret of [
      's3cr3t-pw',
      'k3y-value',
      'c00kie',
      't0k3n-value',
      Buffer.from('alice:s3cr3t-pw').toString('base64'),
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('keeps credentials out of transport errors', async () => {
    const { result } = await run({ method: 'GET', url: 'http://bob:hunter2@127.0.0.1:1/x', debug: 'true' });
    expect(result.success).toBe(false);
    expect(result.error).toContain('bob:***@127.0.0.1:1');
    expect(result.error).not.toContain('hunter2');
  });
});

describe('http executor: https', () => {
  let ca: TestCa;
  let tlsServer: TestServer;
  beforeAll(async () => {
    ca = makeTestCa();
    tlsServer = await startTestServer({ cert: ca.serverCert, key: ca.serverKey, ca: ca.ca });
  });
  afterAll(async () => {
    await tlsServer?.close();
    ca?.remove();
  });

  it('refuses a certificate of an unknown CA by default', async () => {
    const { result } = await run({ method: 'GET', url: `${tlsServer.url}/ok` });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/certificate/i);
  });

  it('trusts the CA of tlsRootCAsFile', async () => {
    const { result, context } = await run({
      method: 'GET',
      url: `${tlsServer.url}/whoami`,
      tlsRootCAsFile: ca.caFile,
    });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('200 OK\nanonymous');
  });

  it('refuses the server with another CA in tlsRootCAsFile', async () => {
    const { result } = await run({
      method: 'GET',
      url: `${tlsServer.url}/ok`,
      tlsRootCAsFile: ca.otherCaFile,
    });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/certificate/i);
  });

  it('skips verification with tlsNoVerifyPeer', async () => {
    const { result } = await run({ method: 'GET', url: `${tlsServer.url}/ok`, tlsNoVerifyPeer: 'true' });
    expect(result.success).toBe(true);
  });

  it('presents the client certificate of tlsCertificateFile / tlsCertificateKeyFile', async () => {
    const { result, context } = await run({
      method: 'GET',
      url: `${tlsServer.url}/whoami`,
      tlsRootCAsFile: ca.caFile,
      tlsCertificateFile: ca.clientCertFile,
      tlsCertificateKeyFile: ca.clientKeyFile,
    });
    expect(result.success).toBe(true);
    expect(context.text()).toBe('200 OK\nclient client');
  });

  it('names the key of a TLS file that cannot be read', async () => {
    const { result } = await run({
      method: 'GET',
      url: `${tlsServer.url}/ok`,
      tlsRootCAsFile: join(ca.dir, 'missing.pem'),
    });
    expect(result).toEqual({
      success: false,
      error: `http: tlsRootCAsFile: cannot read ${join(ca.dir, 'missing.pem')}: ENOENT`,
    });
  });

  it('uses a rotated CA file from the next run on', async () => {
    const rotating = join(ca.dir, 'rotating.pem');
    writeFileSync(rotating, ca.ca);
    const first = await run({ method: 'GET', url: `${tlsServer.url}/ok`, tlsRootCAsFile: rotating });
    expect(first.result.success).toBe(true);
    writeFileSync(rotating, readFileSync(ca.otherCaFile));
    const second = await run({ method: 'GET', url: `${tlsServer.url}/ok`, tlsRootCAsFile: rotating });
    expect(second.result.success).toBe(false);
  });
});
