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

function destinationFor(output: LoggerOutput, pretty: boolean): pino.DestinationStream {
  const wrap = (stream: pino.DestinationStream) => (pretty ? createPrettyStream(stream) : stream);
  if (output.destination) return wrap(output.destination);
  // Synchronous writes: a forced exit (second SIGTERM) must not lose the last lines.
  const stdout = wrap(pino.destination({ dest: 1, sync: true }));
  const stderr = wrap(pino.destination({ dest: 2, sync: true }));
  return pino.multistream(
    [
      { level: 'trace', stream: stdout },
      { level: 'error', stream: stderr },
    ],
    { dedupe: true },
  );
}
