/**
 * A fire-and-forget UDP line sender for the StatsD sinks: lines are batched into datagrams of at most
 * {@link MAX_PACKET_BYTES} bytes, sent when a datagram is full, on every flush interval and on close.
 * The socket and the timer are `unref()`ed, so metrics never keep the process alive; errors are logged
 * (at most once per interval), never thrown.
 */

import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Logger } from '@dkron-core/plugin-api';

/** Largest datagram sent: DogStatsD's optimal UDP payload, safe under common MTUs. */
export const MAX_PACKET_BYTES = 1432;

/** Full datagrams kept while the host is not resolved yet; older ones are dropped. */
const MAX_QUEUED_PACKETS = 64;

/** How long `close()` waits for a pending host resolution before dropping what is queued. */
const CLOSE_RESOLVE_TIMEOUT_MS = 1000;

/** A resolved host. */
export interface ResolvedHost {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name (or IP literal) to one address. */
export type ResolveHost = (host: string) => Promise<ResolvedHost>;

/** `host:port` or `[ipv6]:port`, as `--statsd-addr` and `--dog-statsd-addr` take it. */
export function parseHostPort(addr: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(addr.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

const systemResolve: ResolveHost = async (host) => {
  const { address, family } = await lookup(host);
  return { address, family: family === 6 ? 6 : 4 };
};

/** Options of {@link createUdpBatcher}. */
export interface UdpBatcherOptions {
  /** `host:port`; an invalid address is logged once and every line is dropped. */
  readonly address: string;
  /** Flush interval of partly filled datagrams. */
  readonly flushIntervalMs: number;
  readonly logger: Logger;
  /** Name of the sink in log lines, e.g. `statsd`. */
  readonly label: string;
  /** Host resolution (tests); default: `dns.lookup`. Called until it succeeds once, at most once per interval. */
  readonly resolve?: ResolveHost;
}

/** Batches lines into datagrams. */
export interface UdpBatcher {
  /** Queues one line (no newline). Ignored after `close()`. */
  add(line: string): void;
  /** Sends the partly filled datagram now. */
  flush(): void;
  /** Flushes, waits for the sends, closes the socket. Later calls return the same promise. */
  close(): Promise<void>;
}

/** Creates the batcher, starts resolving the host and the flush timer. */
export function createUdpBatcher(options: UdpBatcherOptions): UdpBatcher {
  const { logger, label, flushIntervalMs } = options;
  const resolve = options.resolve ?? systemResolve;
  const destination = parseHostPort(options.address);

  let lines: string[] = [];
  let bytes = 0;
  const queue: Buffer[] = [];
  let target: (ResolvedHost & { port: number }) | undefined;
  let socket: dgram.Socket | undefined;
  let resolving: Promise<void> | undefined;
  let nextResolveAt = 0;
  const inflight = new Set<Promise<void>>();
  let lastReportAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  let closing: Promise<void> | undefined;
  let finished = false;

  if (destination === undefined) {
    logger.error(`${label}: invalid address, metrics are not sent`, {
      address: options.address,
      expected: 'host:port or [ipv6]:port',
    });
  }

  /** Logs the first problem of each interval, with the count of those it kept quiet about. */
  function report(message: string, error: unknown): void {
    const now = Date.now();
    if (now - lastReportAt < flushIntervalMs) {
      suppressed += 1;
      return;
    }
    lastReportAt = now;
    logger.warn(`${label}: ${message}`, {
      address: options.address,
      error: error instanceof Error ? error.message : String(error),
      ...(suppressed > 0 ? { suppressed } : {}),
    });
    suppressed = 0;
  }

  function connect(): void {
    if (destination === undefined || target !== undefined || resolving !== undefined) return;
    if (Date.now() < nextResolveAt) return;
    nextResolveAt = Date.now() + flushIntervalMs;
    resolving = Promise.resolve(destination.host)
      .then(resolve)
      .then(
        (host) => {
          if (finished) return;
          const created = dgram.createSocket(host.family === 6 ? 'udp6' : 'udp4');
          created.on('error', (error) => report('socket error', error));
          created.unref();
          socket = created;
          target = { ...host, port: destination.port };
          drain();
        },
        (error: unknown) => report(`cannot resolve ${destination.host}`, error),
      )
      .finally(() => {
        resolving = undefined;
      });
  }

  function seal(): void {
    if (lines.length === 0) return;
    queue.push(Buffer.from(lines.join('\n')));
    if (queue.length > MAX_QUEUED_PACKETS) queue.shift();
    lines = [];
    bytes = 0;
  }

  function send(packet: Buffer, to: ResolvedHost & { port: number }, via: dgram.Socket): void {
    const sent = new Promise<void>((done) => {
      try {
        via.send(packet, to.port, to.address, (error) => {
          if (error) report('cannot send metrics', error);
          done();
        });
      } catch (error) {
        report('cannot send metrics', error);
        done();
      }
    });
    inflight.add(sent);
    void sent.then(() => inflight.delete(sent));
  }

  function drain(): void {
    if (queue.length === 0 || finished) return;
    if (target === undefined || socket === undefined) {
      connect();
      return;
    }
    for (const packet of queue.splice(0)) send(packet, target, socket);
  }

  const timer = setInterval(() => {
    seal();
    drain();
  }, flushIntervalMs);
  timer.unref();
  connect();

  return {
    add(line) {
      if (closing !== undefined || destination === undefined) return;
      const size = Buffer.byteLength(line);
      if (lines.length > 0 && bytes + 1 + size > MAX_PACKET_BYTES) seal();
      bytes += (lines.length > 0 ? 1 : 0) + size;
      lines.push(line);
      if (queue.length > 0) drain();
    },
    flush() {
      seal();
      drain();
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        seal();
        if (queue.length > 0) {
          nextResolveAt = 0;
          connect();
          if (resolving !== undefined) await withTimeout(resolving, CLOSE_RESOLVE_TIMEOUT_MS);
          drain();
        }
        await Promise.all(inflight);
        finished = true;
        queue.length = 0;
        socket?.close();
      })();
      return closing;
    },
  };
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((done) => {
    timer = setTimeout(done, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
