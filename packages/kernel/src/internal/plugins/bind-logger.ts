import type { LogFields, Logger } from '@dkron-core/plugin-api';

/**
 * A logger that adds `fields` to every line, so a plugin's lines carry its name (and job/execution)
 * without the plugin having to repeat them. Per-call fields win over bound ones.
 */
export function bindLogger(logger: Logger, fields: LogFields): Logger {
  const merge = (extra?: LogFields): LogFields => (extra === undefined ? fields : { ...fields, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merge(extra)),
    info: (message, extra) => logger.info(message, merge(extra)),
    warn: (message, extra) => logger.warn(message, merge(extra)),
    error: (message, extra) => logger.error(message, merge(extra)),
  };
}

/** The message of anything thrown, for log fields. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
