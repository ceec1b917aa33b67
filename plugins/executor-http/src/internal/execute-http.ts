import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import { TextDecoder } from 'node:util';
import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import type { HttpConfig } from './config.js';
import { type DispatcherCache, TlsFileError } from './dispatchers.js';
import { codeMatches } from './expect-code.js';
import { formatSeconds } from './format.js';
import type { Header } from './headers.js';
import { REDACTED, redactHeaders, redactUrl } from './redact.js';
import { RedirectError, RequestRun, type ResponseSink, type Sent } from './send.js';

/** What the http executor needs besides the request. */
export interface HttpDeps {
  readonly clients: DispatcherCache;
  /** Bytes of the response body kept (written to the output, matched by expectBody); the rest is dropped. */
  readonly maxBodyBytes: number;
  /** Redirects followed; 0: a 3xx is the response. */
  readonly maxRedirections: number;
}

/** Runs one http job: one request, the status line and the body as output. */
export async function executeHttp(
  request_: ExecuteRequest<HttpConfig>,
  context: ExecuteContext,
  deps: HttpDeps,
): Promise<ExecuteResult> {
  const { config } = request_;
  // Only messages and debugging show the URL: not built on the path of a successful run.
  const what = () => `${config.method} ${redactUrl(config.url)}`;
  if (context.signal.aborted)
    return { success: false, error: `http: ${what()}: cancelled before it started` };

  let dispatcher: Awaited<ReturnType<DispatcherCache['get']>>;
  try {
    dispatcher = await deps.clients.get(config);
  } catch (error) {
    if (error instanceof TlsFileError) return { success: false, error: `http: ${error.message}` };
    throw error;
  }

  const headers = requestHeaders(config);
  if (config.debug) {
    const shown = {
      method: config.method,
      url: redactUrl(config.url),
      headers: redactHeaders(headers),
      body: `${Buffer.byteLength(config.body)} bytes`,
      timeout: formatSeconds(config.timeout),
      expectCode: config.expectCode?.text ?? '',
      expectBody: config.expectBody?.source ?? '',
      tlsNoVerifyPeer: config.tlsNoVerifyPeer,
      tlsCertificateFile: config.tlsCertificateFile,
      tlsCertificateKeyFile: config.tlsCertificateKeyFile,
      tlsRootCAsFile: config.tlsRootCAsFile,
    };
    context.output.write(`Config: ${JSON.stringify(shown)}\n`);
    context.logger.info('http request', shown);
  }

  const run = new RequestRun();
  let timedOut = false;
  const onCancel = () => run.abort(new Error('cancelled'));
  context.signal.addEventListener('abort', onCancel, { once: true });
  const timer =
    config.timeout > 0
      ? setTimeout(() => {
          timedOut = true;
          run.abort(new Error('timeout'));
        }, config.timeout)
      : undefined;
  const body = new BodyCollector(context, deps.maxBodyBytes, config.expectBody !== undefined);
  let sent: Sent;
  try {
    sent = await run.send(
      dispatcher,
      { method: config.method, url: urlWithoutCredentials(config.url), headers, body: config.body },
      deps.maxRedirections,
      body,
    );
  } catch (error) {
    if (timedOut && !context.signal.aborted) {
      return { success: false, error: `http: ${what()}: timed out after ${formatSeconds(config.timeout)}` };
    }
    if (context.signal.aborted) return { success: false, error: `http: ${what()}: cancelled` };
    return { success: false, error: `http: ${what()}: ${transportMessage(error)}` };
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onCancel);
  }

  if (sent.stopped) {
    context.output.write(`\n[body truncated: the first ${deps.maxBodyBytes} bytes are shown]\n`);
  }
  if (config.debug) {
    context.logger.info('http response', {
      status: sent.status,
      headers: redactHeaders(responseHeaders(body.headers)),
      bodyBytes: body.bytes,
      truncated: sent.stopped,
    });
  }
  if (config.expectCode !== undefined && !codeMatches(config.expectCode, sent.status)) {
    return {
      success: false,
      error: `received response code does not match the expected code: got ${sent.status}, expected ${config.expectCode.text}`,
    };
  }
  if (config.expectBody !== undefined && !config.expectBody.test(body.text())) {
    return {
      success: false,
      error: `received response body did not match the expected body: ${config.expectBody.source}`,
    };
  }
  return { success: true };
}

/** Writes the status line and the first `max` body bytes to the output, keeping the text if asked. */
class BodyCollector implements ResponseSink {
  bytes = 0;
  headers: IncomingHttpHeaders = {};
  private kept = '';
  private readonly decoder: TextDecoder | undefined;

  constructor(
    private readonly context: ExecuteContext,
    private readonly max: number,
    keepText: boolean,
  ) {
    this.decoder = keepText ? new TextDecoder() : undefined;
  }

  start(status: number, headers: IncomingHttpHeaders): void {
    this.headers = headers;
    const reason = STATUS_CODES[status];
    this.context.output.write(reason === undefined ? `${status}\n` : `${status} ${reason}\n`);
  }

  data(chunk: Buffer): boolean {
    const room = this.max - this.bytes;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length > 0) {
      this.context.output.write(part);
      if (this.decoder !== undefined) this.kept += this.decoder.decode(part, { stream: true });
      this.bytes += part.length;
    }
    return part.length === chunk.length;
  }

  text(): string {
    return this.kept + (this.decoder?.decode() ?? '');
  }
}

function requestHeaders(config: HttpConfig): Header[] {
  const { username, password } = config.url;
  if (username === '' && password === '') return config.headers;
  if (config.headers.some(([name]) => name.toLowerCase() === 'authorization')) return config.headers;
  // As Go's client does: credentials in the URL become basic authentication.
  const credentials = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
  return [...config.headers, ['Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`]];
}

function urlWithoutCredentials(url: URL): URL {
  if (url.username === '' && url.password === '') return url;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

function responseHeaders(headers: IncomingHttpHeaders): Array<[string, string]> {
  return Object.entries(headers).flatMap(([name, value]) =>
    value === undefined
      ? []
      : (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, v]),
  );
}

function transportMessage(error: unknown): string {
  if (error instanceof RedirectError) return error.message;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // undici's messages carry no request data; never add the headers (they may hold credentials).
  return `${error.message}${cause}`.replaceAll(/Basic [A-Za-z0-9+/=]+/g, `Basic ${REDACTED}`);
}
