import type { LogFields, Logger } from '@dkron-core/plugin-api';
import { bindLogger } from '../plugins/bind-logger.js';

/** A logger adding fields computed on first use, so a run that never logs builds nothing. */
export function lazyBoundLogger(logger: Logger, fields: () => LogFields): Logger {
  let bound: Logger | undefined;
  const get = (): Logger => {
    bound ??= bindLogger(logger, fields());
    return bound;
  };
  return {
    debug: (message, extra) => get().debug(message, extra),
    info: (message, extra) => get().info(message, extra),
    warn: (message, extra) => get().warn(message, extra),
    error: (message, extra) => get().error(message, extra),
  };
}
