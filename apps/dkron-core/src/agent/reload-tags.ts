import type { Logger } from '@dkron-core/plugin-api';
import type { AgentConfig } from '../config/agent-config.js';
import { AGENT_OPTIONS } from '../config/options.js';
import type { RunAgentOptions } from './types.js';

/** Options of {@link tagReloader}. */
export interface TagReloaderOptions {
  /** The config the agent started with (as loaded, before secret references were resolved). */
  readonly current: AgentConfig;
  /** Reads the config again: the same flags and environment, the config file as it is now. */
  readonly load: () => Promise<AgentConfig>;
  /** Gives this node its new user tags (the reserved ones are the node's own). */
  readonly apply: (tags: Readonly<Record<string, string>>) => void;
  readonly logger: Logger;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Names of the options other than the tags whose value differs (values are never logged: secrets). */
function otherChanges(before: AgentConfig, after: AgentConfig): string[] {
  const names = new Set<string>();
  for (const option of AGENT_OPTIONS) {
    if (option.key === 'tags') continue;
    if (!same(before[option.key], after[option.key])) names.add(option.name);
  }
  return [...names];
}

/**
 * What SIGHUP does, as in Dkron: the config is read again (file, environment and flags, with the
 * same precedence and checks as at start) and the node's tags are replaced by the new ones. Other
 * options need a restart; the ones that changed are named in a warning. A config that does not load
 * rejects (the signal handler logs it) and changes nothing.
 */
export function tagReloader(options: TagReloaderOptions): () => Promise<void> {
  let current = options.current;
  return async () => {
    const next = await options.load();
    const changed = otherChanges(current, next);
    if (changed.length > 0) {
      options.logger.warn(`SIGHUP reloads tags only; restart the agent to apply: ${changed.join(', ')}`, {
        options: changed,
      });
    }
    if (same(current.tags, next.tags)) {
      options.logger.info('SIGHUP: tags unchanged', { tags: next.tags });
      return;
    }
    options.apply(next.tags);
    options.logger.info('tags reloaded', { before: current.tags, tags: next.tags });
    current = { ...current, tags: next.tags };
  };
}

/** SIGHUP's reload of the tags, when the command can read the config again. */
export function reloadOnHangup(
  given: AgentConfig,
  options: RunAgentOptions,
  logger: Logger,
  apply: (tags: Readonly<Record<string, string>>) => void,
): { onReload?: () => Promise<void> } {
  const load = options.reloadConfig;
  return load ? { onReload: tagReloader({ current: given, load, apply, logger }) } : {};
}
