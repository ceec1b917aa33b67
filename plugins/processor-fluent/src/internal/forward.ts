import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { decode, ExtData, encode } from '@msgpack/msgpack';

/** Where and how to send. */
export interface ForwardTarget {
  readonly host: string;
  readonly port: number;
  /** How long connecting, sending and waiting for the ack may take. */
  readonly timeoutMs: number;
}

/** Fluent's EventTime (ext type 0): seconds and nanoseconds, big-endian uint32 each. */
export function eventTime(ms: number): ExtData {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  const seconds = Math.floor(ms / 1000);
  view.setUint32(0, seconds);
  view.setUint32(4, Math.round((ms - seconds * 1000) * 1e6));
  return new ExtData(0, bytes);
}

/**
 * Sends one event in the Forward protocol's Message mode, `[tag, time, record, { chunk }]`, and
 * resolves once the server answered `{ ack: chunk }`: the event is then in Fluent's buffer.
 */
export function sendWithAck(
  target: ForwardTarget,
  tag: string,
  timeMs: number,
  record: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<void> {
  const chunk = randomBytes(16).toString('base64');
  const frame = encode([tag, eventTime(timeMs), record, { chunk }]);
  return new Promise<void>((resolve, reject) => {
    let socket: Socket | undefined;
    let received = Buffer.alloc(0);
    const where = `${target.host}:${target.port}`;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`no acknowledgement from ${where} within ${target.timeoutMs} ms`)),
      target.timeoutMs,
    );
    const onAbort = () => finish(new Error(`cancelled while sending to ${where}`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket = connect({ host: target.host, port: target.port });
    socket.on('error', (error) => finish(new Error(`cannot send to ${where}: ${error.message}`)));
    socket.on('connect', () => socket?.write(frame));
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      let answer: unknown;
      try {
        answer = decode(received);
      } catch (error) {
        // An incomplete answer waits for more bytes; anything else is not Forward.
        if (error instanceof RangeError) return;
        return finish(new Error(`${where} answered something that is not a Forward acknowledgement`));
      }
      const ack = (answer as { ack?: unknown } | null)?.ack;
      if (ack === chunk) finish();
      else
        finish(new Error(`${where} acknowledged ${JSON.stringify(ack)}, expected ${JSON.stringify(chunk)}`));
    });
    socket.on('end', () => finish(new Error(`${where} closed the connection without acknowledging`)));
  });
}
