import type { PluginRegistry } from '@dkron-core/kernel';
import type { Job, Logger } from '@dkron-core/plugin-api';

/** How this CLI loads plugins: ends the error of a run whose executor is missing, and the start warning. */
export const LOAD_HINT =
  'install the package that provides it where the config file is (npm install <package>) and list it ' +
  'under plugins: in the config file, in DKRON_PLUGINS or with --plugin, then restart the agent';

const SHOWN = 20;

/** `a, b, c` or `a, b, … and 3 more`. */
function names(jobs: readonly string[]): string {
  const shown = jobs.slice(0, SHOWN).join(', ');
  return jobs.length > SHOWN ? `${shown} and ${jobs.length - SHOWN} more` : shown;
}

/**
 * Warns, once at start, about stored jobs whose executor or processors no loaded plugin provides
 * (a plugin removed from the config, a package uninstalled): each warning names the executor and the
 * jobs, so the operator learns it before the first run fails.
 */
export function warnMissingPlugins(
  registry: Pick<PluginRegistry, 'missingPlugins'>,
  jobs: readonly Job[],
  logger: Logger,
): void {
  const missing = registry.missingPlugins(jobs);
  for (const [executor, using] of missing.executors) {
    logger.warn(
      `executor "${executor}" is not loaded: ${using.length === 1 ? 'job' : `${using.length} jobs`} ` +
        `${names(using)} will fail until it is; ${LOAD_HINT}`,
      { executor, jobs: using.length },
    );
  }
  for (const [processor, using] of missing.processors) {
    logger.warn(
      `processor "${processor}" is not loaded: ${using.length === 1 ? 'job' : `${using.length} jobs`} ` +
        `${names(using)} keep their output without it until it is; ${LOAD_HINT}`,
      { processor, jobs: using.length },
    );
  }
}
