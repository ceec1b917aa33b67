import type { DkronPlugin } from '@dkron-core/plugin-api';
import type { AgentConfig } from '../config/agent-config.js';
import type { AppLogger } from '../logging/create-logger.js';

/** What `dkron-core agent` hands to `runAgent` besides the config. */
export interface RunAgentOptions {
  /** The process logger (root pino logger and the plugin-api adapter). */
  readonly logger: AppLogger;
  /** Built-in plugins first, then the config file's, loaded and checked but not yet set up. */
  readonly plugins: readonly DkronPlugin[];
  /** Absolute path of the config file read, if any. */
  readonly configPath?: string;
  /** Reads the config again as at start (SIGHUP): the same flags and environment, the file as it is now. */
  readonly reloadConfig?: () => Promise<AgentConfig>;
}
