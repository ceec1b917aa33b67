import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import { bindLogger, errorMessage } from '../plugins/bind-logger.js';
import { parseConfig } from '../plugins/config-validation.js';
import { compareNames, type PluginRegistry } from '../plugins/registry.js';
import { formatMs, settle, settleOrGiveUp } from './settle.js';

/** Options of {@link runProcessors}. */
export interface RunProcessorsOptions {
  readonly registry: PluginRegistry;
  readonly job: Job;
  /** The finished execution. */
  readonly execution: Execution;
  readonly reportingNode: string;
  readonly logger: Logger;
  /** Given to processors; aborted at shutdown. */
  readonly signal: AbortSignal;
  /** A processor still running after this long is abandoned and the execution kept as it was. */
  readonly timeoutMs: number;
}

/**
 * Passes a finished execution through the job's processors and returns what to store.
 *
 * Processors run one after the other, sorted by name (Dkron uses Go's random map order, so chains were
 * not reproducible). An unknown processor, a config that does not parse, a throw, an invalid return
 * value or a timeout is logged and skips that processor: the execution stays as it was before it.
 */
export async function runProcessors(options: RunProcessorsOptions): Promise<Execution> {
  const { registry, job, reportingNode, signal } = options;
  let execution = options.execution;
  const names = Object.keys(job.processors ?? {}).sort(compareNames);
  for (const name of names) {
    const logger = bindLogger(options.logger, { processor: name, job: job.name, execution: execution.id });
    const entry = registry.processor(name);
    if (entry === undefined) {
      logger.warn('unknown processor, skipped');
      continue;
    }
    let config: Record<string, unknown>;
    try {
      config = parseConfig(entry.definition.config, job.processors[name], `processors.${name}`);
    } catch (thrown) {
      logger.error('invalid processor config, skipped', { error: errorMessage(thrown) });
      continue;
    }
    const input = execution;
    const context = {
      config,
      job,
      reportingNode,
      signal,
      logger: bindLogger(logger, { plugin: entry.plugin }),
    };
    const settled = await settleOrGiveUp(
      settle(() =>
        entry.definition.process(input, context as Parameters<typeof entry.definition.process>[1]),
      ),
      options.timeoutMs,
      (start) => start(),
    );
    if (settled.kind === 'hung') {
      logger.error(`processor did not finish within ${formatMs(options.timeoutMs)}, skipped`, {
        plugin: entry.plugin,
      });
    } else if (settled.kind === 'thrown') {
      logger.error('processor failed, execution unchanged', {
        plugin: entry.plugin,
        error: errorMessage(settled.error),
      });
    } else if (!isExecution(settled.value)) {
      logger.error('processor returned no execution, execution unchanged', { plugin: entry.plugin });
    } else {
      execution = settled.value;
    }
  }
  return execution;
}

function isExecution(value: unknown): value is Execution {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.output === 'string' && typeof e.success === 'boolean';
}
