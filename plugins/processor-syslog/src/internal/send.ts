import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Facility } from './format.js';
import { SD_ID } from './format.js';
import { type NetTarget, showTarget, type Target, type UnixTarget } from './target.js';

/** What a transport needs besides the target. */
export interface SendOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** Runs `work` with a deadline and the signal; `cleanup` undoes what it opened. */
function bounded(
  target: Target,
  options: SendOptions,
  work: (done: (e?: Error) => void) => () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let cleanup: () => void = () => {};
    const done = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      cleanup();
      if (error) reject(error);
      else resolve();
    };
    const where = showTarget(target);
    const timer = setTimeout(
      () => done(new Error(`syslog ${where} did not take the messages within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const onAbort = () => done(new Error(`cancelled while sending to syslog ${where}`));
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    cleanup = work(done);
  });
}

/** Sends formatted messages over UDP, one datagram each. UDP confirms nothing beyond the local send. */
export function sendUdp(target: NetTarget, messages: readonly string[], options: SendOptions): Promise<void> {
  return bounded(target, options, (done) => {
    const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    socket.on('error', (error) =>
      done(new Error(`cannot send to syslog ${showTarget(target)}: ${error.message}`)),
    );
    socket.connect(target.port, target.host, () => {
      let pending = messages.length;
      if (pending === 0) return done();
      for (const m of messages) {
        socket.send(m, (error) => {
          if (error) return done(new Error(`cannot send to syslog ${showTarget(target)}: ${error.message}`));
          if (--pending === 0) done();
        });
      }
    });
    return () => socket.close();
  });
}

/** Sends formatted messages over TCP with octet-counting framing (RFC 6587), then closes cleanly. */
export function sendTcp(target: NetTarget, messages: readonly string[], options: SendOptions): Promise<void> {
  return bounded(target, options, (done) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.on('error', (error) =>
      done(new Error(`cannot send to syslog ${showTarget(target)}: ${error.message}`)),
    );
    socket.on('connect', () => {
      const frames = messages.map((m) => `${Buffer.byteLength(m)} ${m}`).join('');
      socket.end(frames, () => done());
    });
    return () => socket.destroy();
  });
}

/** Fields of a local message handed to util-linux `logger`. */
export interface LocalMessage {
  readonly format: 'rfc5424' | 'rfc3164';
  readonly facility: Facility;
  readonly severity: 'info' | 'err';
  readonly tag: string;
  readonly data: Readonly<Record<string, string>>;
  readonly maxBytes: number;
  readonly loggerPath: string;
}

/**
 * Sends lines to a local syslog socket (`/dev/log` is a datagram socket, which Node cannot open) through
 * util-linux `logger`, one message per line, with `--socket-errors=on` so a missing socket fails.
 * Arguments are passed as a list: nothing goes through a shell.
 */
export function sendLocal(
  target: UnixTarget,
  lines: readonly string[],
  message: LocalMessage,
  options: SendOptions,
): Promise<void> {
  if (lines.length === 0) return Promise.resolve();
  return bounded(target, options, (done) => {
    const args = [
      '--socket',
      target.path,
      '--socket-errors=on',
      // RFC 3164 to a local socket is logger's local header (no host name), what /dev/log readers expect.
      ...(message.format === 'rfc5424' ? ['--rfc5424=notq'] : []),
      '--priority',
      `${message.facility}.${message.severity}`,
      '--tag',
      message.tag,
      `--id=${process.pid}`,
      '--size',
      String(message.maxBytes + 512),
    ];
    if (message.format === 'rfc5424') {
      args.push('--sd-id', SD_ID);
      for (const [name, value] of Object.entries(message.data)) {
        args.push('--sd-param', `${name}="${value.replace(/(["\\\]])/g, '\\$1')}"`);
      }
    }
    const child = spawn(message.loggerPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', (error) =>
      done(new Error(`cannot run ${message.loggerPath} for the local syslog: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) done();
      else
        done(
          new Error(
            `cannot send to syslog ${showTarget(target)}: ${stderr.trim() || `logger exited with ${code}`}`,
          ),
        );
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(`${lines.join('\n')}\n`);
    return () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
  });
}
