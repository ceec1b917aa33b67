/**
 * Structured logging with pino: JSON lines (one object per line, `level` as a word, ISO `time`, a
 * `node` field), or a readable text line per entry when stdout is a terminal. As in Dkron,
 * errors go to stderr and everything else to stdout.
 */

import type { LogFields, Logger } from '@dkron-core/plugin-api';
import pino from 'pino';
import type { AgentConfig } from '../config/agent-config.js';
import { createPrettyStream } from './pretty-stream.js';

/** Where and how to write logs; defaults suit the real process. */
export interface LoggerOutput {
  /** Receives every line (tests); when absent, stdout and stderr. */
  readonly destination?: pino.DestinationStream;
  /** Readable text instead of JSON; default: stdout is a terminal. */
  readonly pretty?: boolean;
}

/** The agent's logger and the adapter plugins receive. */
export interface AppLogger {
  /** The root pino logger; every line carries `node`. */
  readonly root: pino.Logger;
  /** A plugin-api {@link Logger} whose lines carry `bindings` (e.g. `{ plugin, job, execution }`). */
  toPluginLogger(bindings?: LogFields): Logger;
}

/** Creates the agent's logger for the configured level and node name. */
export function createLogger(
  config: Pick<AgentConfig, 'logLevel' | 'nodeName'>,
  output: LoggerOutput = {},
): AppLogger {
  const pretty = output.pretty ?? process.stdout.isTTY === true;
  const root = pino(
    {
      level: config.logLevel,
      base: { node: config.nodeName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destinationFor(output, pretty),
  );
  return { root, toPluginLogger: (bindings) => toLogger(bindings ? root.child(bindings) : root) };
}

/** Adapts a pino logger to the plugin-api {@link Logger} (message first, fields second). */
export function toLogger(logger: pino.Logger): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      if (fields) logger[level](fields, message);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Log output held while stdout or stderr does not take it (a full disk); beyond it lines are dropped. */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * A synchronous destination on `fd` (a forced exit, a second SIGTERM, must not lose the last lines) that
 * survives failing writes: a full disk under a redirected stdout (`ENOSPC`) or a closed pipe used to be an
 * unhandled `'error'` that killed the agent. Lines are held (up to 1 MiB) and written once the fd takes
 * them again; what was dropped meanwhile is said in one line then.
 */
export function fdDestination(fd: number): pino.DestinationStream {
  const stream = pino.destination({ dest: fd, sync: true, maxLength: MAX_HELD_BYTES });
  let failure: string | undefined;
  let dropped = 0;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= error.code ?? error.message;
  });
  stream.on('drop', () => {
    dropped++;
  });
  stream.on('write', () => {
    if (failure === undefined) return;
    const line = JSON.stringify({
      level: 'warn',
      time: new Date().toISOString(),
      msg: 'log output failed for a while; lines were lost',
      error: failure,
      dropped_lines: dropped,
    });
    failure = undefined;
    dropped = 0;
    stream.write(`${line}\n`);
  });
  return stream;
}

function destinationFor(output: LoggerOutput, pretty: boolean): pino.DestinationStream {
  const wrap = (stream: pino.DestinationStream) => (pretty ? createPrettyStream(stream) : stream);
  if (output.destination) return wrap(output.destination);
  const stdout = wrap(fdDestination(1));
  const stderr = wrap(fdDestination(2));
  return pino.multistream(
    [
      { level: 'trace', stream: stdout },
      { level: 'error', stream: stderr },
    ],
    { dedupe: true },
  );
}
