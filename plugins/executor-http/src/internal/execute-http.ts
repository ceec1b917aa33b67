import { STATUS_CODES } from 'node:http';
import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import { request } from 'undici';
import type { HttpConfig } from './config.js';
import { type DispatcherCache, TlsFileError } from './dispatchers.js';
import { formatSeconds } from './format.js';
import type { Header } from './headers.js';
import { REDACTED, redactHeaders, redactUrl } from './redact.js';

/** What the http executor needs besides the request. */
export interface HttpDeps {
  readonly clients: DispatcherCache;
  /** Bytes of the response body kept (written to the output, matched by expectBody); the rest is dropped. */
  readonly maxBodyBytes: number;
}

/** Runs one http job: one request, the status line and the body as output. */
export async function executeHttp(
  request_: ExecuteRequest<HttpConfig>,
  context: ExecuteContext,
  deps: HttpDeps,
): Promise<ExecuteResult> {
  const { config } = request_;
  const shownUrl = redactUrl(config.url);
  const what = `${config.method} ${shownUrl}`;
  if (context.signal.aborted) return { success: false, error: `http: ${what}: cancelled before it started` };

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
      url: shownUrl,
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

  const timeout = config.timeout > 0 ? AbortSignal.timeout(config.timeout) : undefined;
  const signal = timeout === undefined ? context.signal : AbortSignal.any([context.signal, timeout]);
  const failure = (error: unknown): ExecuteResult => {
    if (timeout?.aborted && !context.signal.aborted) {
      return { success: false, error: `http: ${what}: timed out after ${formatSeconds(config.timeout)}` };
    }
    if (context.signal.aborted) return { success: false, error: `http: ${what}: cancelled` };
    return { success: false, error: `http: ${what}: ${transportMessage(error)}` };
  };

  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(urlWithoutCredentials(config.url), {
      dispatcher,
      method: config.method,
      headers: headers.flat(),
      ...(config.body === '' ? {} : { body: config.body }),
      signal,
    });
  } catch (error) {
    return failure(error);
  }

  const status = response.statusCode;
  context.output.write(`${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + '\n');
  let body: BodyRead;
  try {
    body = await readBody(response.body, context, deps.maxBodyBytes, config.expectBody !== undefined);
  } catch (error) {
    return failure(error);
  }
  if (body.dropped) {
    context.output.write(`\n[body truncated: the first ${deps.maxBodyBytes} bytes are shown]\n`);
  }
  if (config.debug) {
    context.logger.info('http response', {
      status,
      headers: redactHeaders(responseHeaders(response.headers)),
      bodyBytes: body.bytes,
      truncated: body.dropped,
    });
  }

  if (config.expectCode !== undefined && !config.expectCode.matches(status)) {
    return {
      success: false,
      error: `received response code does not match the expected code: got ${status}, expected ${config.expectCode.text}`,
    };
  }
  if (config.expectBody !== undefined && !config.expectBody.test(body.text)) {
    return {
      success: false,
      error: `received response body did not match the expected body: ${config.expectBody.source}`,
    };
  }
  return { success: true };
}

function requestHeaders(config: HttpConfig): Header[] {
  const { username, password } = config.url;
  if (username === '' && password === '') return config.headers;
  if (config.headers.some(([name]) => name.toLowerCase() === 'authorization')) return config.headers;
  // As Go's client does: credentials in the URL become basic authentication.
  const credentials = `${decodeURIComponent(username)}:${decodeURIComponent(password)}`;
  return [...config.headers, ['Authorization', `Basic ${Buffer.from(credentials).toString('base64')}`]];
}

function urlWithoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

interface BodyRead {
  readonly bytes: number;
  readonly dropped: boolean;
  /** The kept body as text, when an expectBody needs it. */
  readonly text: string;
}

async function readBody(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  context: ExecuteContext,
  max: number,
  keepText: boolean,
): Promise<BodyRead> {
  const decoder = keepText ? new TextDecoder() : undefined;
  let text = '';
  let bytes = 0;
  for await (const chunk of body) {
    const room = max - bytes;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length > 0) {
      context.output.write(kept);
      if (decoder !== undefined) text += decoder.decode(kept, { stream: true });
      bytes += kept.length;
    }
    if (kept.length < chunk.length) {
      // Stop downloading: the rest would be dropped anyway.
      body.destroy();
      return { bytes, dropped: true, text: text + (decoder?.decode() ?? '') };
    }
  }
  return { bytes, dropped: false, text: text + (decoder?.decode() ?? '') };
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): Array<[string, string]> {
  return Object.entries(headers).flatMap(([name, value]) =>
    value === undefined
      ? []
      : (Array.isArray(value) ? value : [value]).map((v): [string, string] => [name, v]),
  );
}

function transportMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  // undici's messages carry no request data; never add the headers (they may hold credentials).
  return `${error.message}${cause}`.replaceAll(/Basic [A-Za-z0-9+/=]+/g, `Basic ${REDACTED}`);
}
