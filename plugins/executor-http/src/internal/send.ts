import type { IncomingHttpHeaders } from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import type { Header } from './headers.js';

/** The request a run sends first. */
export interface Outgoing {
  readonly method: string;
  readonly url: URL;
  readonly headers: readonly Header[];
  readonly body: string;
}

/** Receives the final response (never a redirect that is followed). */
export interface ResponseSink {
  /** The status and headers, before any body chunk. */
  start(status: number, headers: IncomingHttpHeaders): void;
  /** A body chunk; `false` when no more is wanted (the rest is not downloaded). */
  data(chunk: Buffer): boolean;
}

/** How the final response ended. */
export interface Sent {
  readonly status: number;
  readonly url: URL;
  /** True when the sink stopped the download. */
  readonly stopped: boolean;
}

/** A redirect that cannot be followed (too many, or a bad `Location`). */
export class RedirectError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIALS = new Set(['authorization', 'www-authenticate', 'cookie', 'proxy-authorization']);
const STOP = new Error('body limit reached');

/**
 * One run's request, redirects included, on undici's dispatcher API: the body goes straight from the
 * parser to the sink (no stream, no async iterator), and cancelling goes through undici's own abort
 * (no AbortSignal to create per run).
 */
export class RequestRun {
  private controller: Dispatcher.DispatchController | undefined;
  private abortedWith: Error | undefined;

  /** Aborts the request in flight, or the next one. Later calls do nothing. */
  abort(reason: Error): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }

  /**
   * Sends `outgoing` and follows up to `maxRedirections` redirects as Go's client does (Dkron's): 301,
   * 302 and 303 turn a request other than GET/HEAD into a GET without body, 307 and 308 resend it as
   * is, and credentials (Authorization, Cookie) are not sent to another host.
   */
  async send(agent: Agent, outgoing: Outgoing, maxRedirections: number, sink: ResponseSink): Promise<Sent> {
    let { method, url, headers, body } = outgoing;
    for (let hop = 0; ; hop++) {
      const followed = maxRedirections > 0;
      const end = await this.hop(agent, { method, url, headers, body }, followed, sink);
      if (end.location === undefined) return { status: end.status, url, stopped: end.stopped };
      if (hop >= maxRedirections) throw new RedirectError(`stopped after ${maxRedirections} redirects`);
      let next: URL;
      try {
        next = new URL(end.location, url);
      } catch {
        throw new RedirectError(`redirect to an invalid location ${JSON.stringify(end.location)}`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new RedirectError(`redirect to a ${next.protocol} URL`);
      }
      if (end.status <= 303 && method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = '';
        headers = headers.filter(([name]) => !/^content-(type|length)$/i.test(name));
      }
      if (next.host !== url.host) headers = headers.filter(([name]) => !CREDENTIALS.has(name.toLowerCase()));
      url = next;
    }
  }

  private hop(
    agent: Agent,
    request: Outgoing,
    followRedirects: boolean,
    sink: ResponseSink,
  ): Promise<{ status: number; location?: string; stopped: boolean }> {
    if (this.abortedWith !== undefined) return Promise.reject(this.abortedWith);
    return new Promise((resolve, reject) => {
      let settled = false;
      let status = 0;
      let location: string | undefined;
      const done = (stopped: boolean) => {
        if (settled) return;
        settled = true;
        resolve(location === undefined ? { status, stopped } : { status, location, stopped });
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (controller) => {
          this.controller = controller;
          if (this.abortedWith !== undefined) controller.abort(this.abortedWith);
        },
        onResponseStart: (_controller, statusCode, headers) => {
          status = statusCode;
          const target = headers.location;
          if (followRedirects && REDIRECTS.has(statusCode) && typeof target === 'string') location = target;
          else sink.start(statusCode, headers);
        },
        onResponseData: (controller, chunk) => {
          if (location !== undefined || settled) return;
          if (!sink.data(chunk)) {
            done(true);
            controller.abort(STOP);
          }
        },
        onResponseEnd: () => done(false),
        onResponseError: (_controller, error) => {
          if (settled) return;
          settled = true;
          reject(error);
        },
      };
      agent.dispatch(
        {
          origin: request.url.origin,
          path: `${request.url.pathname}${request.url.search}`,
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers.flat(),
          ...(request.body === '' ? {} : { body: request.body }),
        },
        handler,
      );
    });
  }
}
