import { createServer } from 'node:net';
import { createTestHost, type TestHost } from '@dkron-core/plugin-testing';
import { ReflectionService } from '@grpc/reflection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_PROTO, type EchoServer, startEchoServer } from '../../../test/fixtures/grpc/echo-server.js';
import { makeTestCa, type TestCa } from '../../../test/fixtures/tls/make-ca.js';
import { grpcExecutor } from './index.js';

let harness: TestHost;
let reflecting: EchoServer;
let plain: EchoServer;

beforeAll(async () => {
  harness = createTestHost();
  await harness.install(grpcExecutor());
  reflecting = await startEchoServer({ reflection: ReflectionService });
  plain = await startEchoServer({});
});
afterAll(async () => {
  await reflecting?.close();
  await plain?.close();
});

const run = (config: Record<string, unknown>, context = harness.createContext()) =>
  harness.execute('grpc', config, context);
const SAY = 'dkron.test.v1.Echo/Say';

describe('grpc executor: calls', () => {
  it('finds the method by server reflection and outputs the response as JSON', async () => {
    const { result, context } = await run({
      url: `${reflecting.address}/${SAY}`,
      body: '{"text":"hi ","repeatCount":"2","mood":"MOOD_HAPPY","at":"2024-01-02T03:04:05Z"}',
    });
    expect(result).toEqual({ success: true });
    expect(JSON.parse(context.text())).toEqual({
      text: 'hi hi ',
      mood: 'MOOD_HAPPY',
      at: '2024-01-02T03:04:05Z',
    });
  });

  it('accepts the original (snake_case) field names and a native body object', async () => {
    const { result, context } = await run({
      url: `${reflecting.address}/${SAY}`,
      body: { text: 'x', repeat_count: 3 },
    });
    expect(result.success).toBe(true);
    expect(JSON.parse(context.text())).toMatchObject({ text: 'xxx' });
  });

  it('sends the headers as metadata, values with colons kept whole', async () => {
    const { context } = await run({
      url: `${reflecting.address}/${SAY}`,
      body: '{"text":"m"}',
      headers: '["X-Trace: a:b:c", "X-Other: 1"]',
    });
    expect(JSON.parse(context.text()).metadata).toEqual({ 'x-trace': 'a:b:c', 'x-other': '1' });
  });

  it('uses .proto files when the server has no reflection', async () => {
    const without = await run({ url: `${plain.address}/${SAY}`, body: '{"text":"r"}' });
    expect(without.result.success).toBe(false);
    expect(without.result.error).toMatch(/server reflection failed: .*UNIMPLEMENTED/);
    const { result, context } = await run({
      url: `${plain.address}/${SAY}`,
      body: '{"text":"p"}',
      protoFiles: ECHO_PROTO,
    });
    expect(result).toEqual({ success: true });
    expect(JSON.parse(context.text())).toMatchObject({ text: 'p' });
  });

  it('succeeds when the status is the expected non-OK code, with its name or number', async () => {
    const body = '{"code":5,"message":"no such thing"}';
    const byName = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Fail`,
      body,
      expectCode: 'NOT_FOUND',
    });
    expect(byName.result.success).toBe(true);
    const byNumber = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Fail`,
      body,
      expectCode: '5',
    });
    expect(byNumber.result.success).toBe(true);
    const byJsonNumber = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Fail`,
      body: { code: 5, message: 'no such thing' },
      expectCode: 5,
    });
    expect(byJsonNumber.result.success).toBe(true);
  });

  it('takes native JSON values where Dkron means a number, a code, a message or a switch', () => {
    const parse = (config: Record<string, unknown>) =>
      harness.executor('grpc').config.parse({ url: `${reflecting.address}/${SAY}`, ...config });
    const native = parse({ expectCode: 5, timeout: 30, body: { text: 'x' }, tlsEnable: false });
    const dkron = parse({ expectCode: '5', timeout: '30', body: '{"text":"x"}', tlsEnable: 'false' });
    expect(native).toEqual(dkron);
    expect(native).toMatchObject({ expectCode: 5, timeout: 30_000, body: { text: 'x' } });
    expect(parse({ expectCode: 'NOT_FOUND' })).toMatchObject({ expectCode: 5 });
  });
});

describe('grpc executor: failures', () => {
  it('fails on an unexpected status code, naming both', async () => {
    const { result } = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Fail`,
      body: '{"code":7,"message":"go away"}',
    });
    expect(result).toEqual({
      success: false,
      error: `grpc: ${reflecting.address}/dkron.test.v1.Echo/Fail: status 7 PERMISSION_DENIED: go away (expected 0 OK)`,
    });
  });

  it('fails when the server is unreachable', async () => {
    const port = await closedPort();
    const { result } = await run({ url: `127.0.0.1:${port}/${SAY}`, body: '{}', timeout: '5s' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/UNAVAILABLE/);
  });

  it('names an unknown service or method', async () => {
    const service = await run({ url: `${reflecting.address}/dkron.test.v1.Nope/Say` });
    expect(service.result.error).toMatch(/Nope/);
    const method = await run({ url: `${reflecting.address}/dkron.test.v1.Echo/Shout` });
    expect(method.result.error).toBe(
      `grpc: ${reflecting.address}/dkron.test.v1.Echo/Shout: method Shout not found in service dkron.test.v1.Echo`,
    );
    const stream = await run({ url: `${reflecting.address}/dkron.test.v1.Echo/Watch` });
    expect(stream.result.error).toMatch(/is a server_streaming method; only unary methods can be called/);
  });

  it('refuses a body that does not fit the request message', async () => {
    const { result } = await run({ url: `${reflecting.address}/${SAY}`, body: '{"txet":"typo"}' });
    expect(result.success).toBe(false);
    expect(result.error).toMatch(/: body: .*txet/);
  });

  it('honours timeout with the call deadline', async () => {
    const arrived = reflecting.hangArrived();
    const { result } = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Hang`,
      body: '{}',
      timeout: '500ms',
    });
    await arrived;
    expect(result).toEqual({
      success: false,
      error: `grpc: ${reflecting.address}/dkron.test.v1.Echo/Hang: timed out after 500ms`,
    });
  });

  it('stops when the execution is cancelled', async () => {
    const context = harness.createContext();
    const arrived = reflecting.hangArrived();
    const running = run({ url: `${reflecting.address}/dkron.test.v1.Echo/Hang`, body: '{}' }, context);
    await arrived;
    context.controller.abort();
    expect((await running).result).toEqual({
      success: false,
      error: `grpc: ${reflecting.address}/dkron.test.v1.Echo/Hang: cancelled`,
    });
  });

  it('keeps credentials out of the error', async () => {
    const { result } = await run({
      url: `${reflecting.address}/dkron.test.v1.Echo/Fail`,
      body: '{"code":16,"message":"bad token Bearer s3cr3t-t0ken"}',
      headers: '["Authorization: Bearer s3cr3t-t0ken"]',
    });
    expect(result.success).toBe(false);
    expect(result.error).not.toContain('s3cr3t-t0ken');
    expect(result.error).toContain('[redacted]');
  });
});

describe('grpc executor: config refused at save', () => {
  const parse = (config: Record<string, unknown>) => () =>
    harness.executor('grpc').config.parse(config, 'executor_config');
  it.each([
    [{}, 'executor_config.url: is required'],
    [{ url: 'localhost:9000' }, 'executor_config.url: expected host:port/package.Service/Method'],
    [{ url: 'localhost:9000/Service' }, 'executor_config.url: expected host:port/package.Service/Method'],
    [{ url: 'localhost:99999/a.B/C' }, 'executor_config.url: expected host:port/package.Service/Method'],
    [{ url: ' h:1/a.B/C' }, 'executor_config.url: expected host:port/package.Service/Method'],
    [{ url: 'h:1/a.B/C', body: '[1]' }, 'executor_config.body: expected a JSON object'],
    [{ url: 'h:1/a.B/C', body: 5 }, 'executor_config.body: expected a JSON object'],
    [{ url: 'h:1/a.B/C', expectCode: 17 }, 'executor_config.expectCode: expected a gRPC status code 0-16'],
    [{ url: 'h:1/a.B/C', expectCode: 'ok' }, 'executor_config.expectCode: expected a gRPC status code 0-16'],
    [{ url: 'h:1/a.B/C', timeout: -1 }, 'executor_config.timeout: expected a duration of at least 0 ms'],
    [{ url: 'h:1/a.B/C', body: '{oops' }, 'executor_config.body: expected a JSON object'],
    [{ url: 'h:1/a.B/C', headers: '["x"]' }, 'executor_config.headers: entry 0'],
    [
      { url: 'h:1/a.B/C', expectCode: 'Invalid' },
      'executor_config.expectCode: expected a gRPC status code 0-16',
    ],
    [{ url: 'h:1/a.B/C', expectCode: '17' }, 'executor_config.expectCode: expected a gRPC status code 0-16'],
    [{ url: 'h:1/a.B/C', timeout: 'x' }, 'executor_config.timeout: expected a duration like "30s"'],
    [
      { url: 'h:1/a.B/C', tlsRootCAsFile: '/ca.pem' },
      'executor_config.tlsEnable: must be true with tlsRootCAsFile',
    ],
    [
      { url: 'h:1/a.B/C', protoImportPaths: '/x' },
      'executor_config.protoFiles: is required with protoImportPaths',
    ],
  ])('%j → %s', (config, message) => {
    expect(parse(config)).toThrow(message);
  });
});

describe('grpc executor: TLS', () => {
  let ca: TestCa;
  let tls: EchoServer;
  beforeAll(async () => {
    ca = makeTestCa();
    tls = await startEchoServer({
      reflection: ReflectionService,
      tls: { cert: ca.serverCert, key: ca.serverKey, ca: ca.ca, requireClientCert: true },
    });
  });
  afterAll(async () => {
    await tls?.close();
    ca?.remove();
  });

  it('calls over mutual TLS with the CA and client certificate files', async () => {
    const { result, context } = await run({
      url: `${tls.address}/${SAY}`,
      body: '{"text":"secure"}',
      tlsEnable: 'true',
      tlsRootCAsFile: ca.caFile,
      tlsCertificateFile: ca.clientCertFile,
      tlsCertificateKeyFile: ca.clientKeyFile,
    });
    expect(result).toEqual({ success: true });
    expect(JSON.parse(context.text())).toMatchObject({ text: 'secure' });
  });

  it('fails without the client certificate, and with a CA that did not sign the server', async () => {
    const noClient = await run({
      url: `${tls.address}/${SAY}`,
      body: '{}',
      tlsEnable: 'true',
      tlsRootCAsFile: ca.caFile,
      timeout: '5s',
    });
    expect(noClient.result.success).toBe(false);
    const wrongCa = await run({
      url: `${tls.address}/${SAY}`,
      body: '{}',
      tlsEnable: 'true',
      tlsRootCAsFile: ca.otherCaFile,
      tlsCertificateFile: ca.clientCertFile,
      tlsCertificateKeyFile: ca.clientKeyFile,
      timeout: '5s',
    });
    expect(wrongCa.result.success).toBe(false);
    expect(wrongCa.result.error).toMatch(/UNAVAILABLE/);
  });

  it('skips verification with tlsNoVerifyPeer', async () => {
    const { result } = await run({
      url: `${tls.address}/${SAY}`,
      body: '{}',
      tlsEnable: 'true',
      tlsNoVerifyPeer: 'true',
      tlsCertificateFile: ca.clientCertFile,
      tlsCertificateKeyFile: ca.clientKeyFile,
    });
    expect(result.success).toBe(true);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
