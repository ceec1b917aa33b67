/**
 * Process signals of a running agent: SIGTERM or SIGINT starts one graceful shutdown, a second one
 * forces the exit (status 1), SIGHUP asks for a reload. The signal source and `exit` are injectable
 * so tests need not signal the test runner itself.
 */

import type { Logger } from '@dkron-core/plugin-api';

/** What signals are read from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Stops the agent gracefully; called once, with the signal name or the reason given to `shutdown()`. */
  onShutdown(reason: string): Promise<void>;
  /** Re-reads what can change at run time; when absent, SIGHUP is logged as not supported. */
  onReload?(): void | Promise<void>;
  readonly logger: Logger;
  /**
   * Forces the exit when the graceful shutdown has not finished this long after it began (a safety
   * net above `shutdown-timeout`); no limit when absent.
   */
  readonly forceAfterMs?: number;
  /** Defaults to `process`. */
  readonly source?: SignalSource;
  /** Defaults to `process.exit`. */
  readonly exit?: (code: number) => void;
}

/** Handle returned by {@link installSignalHandlers}. */
export interface SignalHandlers {
  /** True once a shutdown has begun. */
  readonly shuttingDown: boolean;
  /** Starts the same once-only shutdown as SIGTERM (e.g. for `POST /v1/leave`); returns its promise. */
  shutdown(reason: string): Promise<void>;
  /** Removes the listeners. */
  dispose(): void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Installs the agent's signal handlers. */
export function installSignalHandlers(options: SignalHandlerOptions): SignalHandlers {
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { logger } = options;
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    let timer: NodeJS.Timeout | undefined;
    if (options.forceAfterMs !== undefined) {
      timer = setTimeout(() => {
        logger.error('shutdown did not finish in time; exiting now', {
          reason,
          timeoutMs: options.forceAfterMs,
        });
        exit(1);
      }, options.forceAfterMs);
      timer.unref();
    }
    // An async wrapper calls onShutdown at once and turns a synchronous throw into a rejection.
    running = (async () => options.onShutdown(reason))().then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        logger.error('shutdown failed', { reason, error: err });
        exit(1);
      },
    );
    return running;
  };

  const onStop = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn(`received ${signal} again; exiting without waiting`, { signal });
      exit(1);
      return;
    }
    logger.info(`received ${signal}; shutting down gracefully (send it again to exit at once)`, { signal });
    void shutdown(signal);
  };

  const onHangup = (signal: NodeJS.Signals): void => {
    if (!options.onReload) {
      logger.info('SIGHUP received: reload is not supported yet; restart the agent to apply changes', {
        signal,
      });
      return;
    }
    Promise.resolve()
      .then(() => options.onReload?.())
      .then(
        () => logger.info('configuration reloaded', { signal }),
        (err: unknown) => logger.error('reload failed', { signal, error: err }),
      );
  };

  for (const signal of STOP_SIGNALS) source.on(signal, onStop);
  source.on('SIGHUP', onHangup);

  return {
    get shuttingDown() {
      return running !== undefined;
    },
    shutdown,
    dispose() {
      for (const signal of STOP_SIGNALS) source.off(signal, onStop);
      source.off('SIGHUP', onHangup);
    },
  };
}
