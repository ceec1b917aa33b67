import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import { bindLogger, errorMessage } from '../plugins/bind-logger.js';
import { parseConfig } from '../plugins/config-validation.js';
import type { PluginRegistry } from '../plugins/registry.js';
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
  readonly clock: Clock;
}

/**
 * Passes a finished execution through the job's processors and returns what to store.
 *
 * Processors run one after the other in the order the job lists them (Dkron uses Go's random map
 * order, so chains were not reproducible). A processor that is not loaded, whose config does not
 * parse, that throws, returns no execution or times out never loses the output: the execution stays
 * as it was before that processor, and a line naming the processor and the failure is appended to its
 * output, so the failure shows on the execution and not only in the node's log.
 */
export async function runProcessors(options: RunProcessorsOptions): Promise<Execution> {
  const { registry, job, reportingNode, signal } = options;
  let execution = options.execution;
  for (const name of Object.keys(job.processors ?? {})) {
    const logger = bindLogger(options.logger, { processor: name, job: job.name, execution: execution.id });
    const entry = registry.processor(name);
    if (entry === undefined) {
      logger.warn('unknown processor, output kept');
      execution = noted(execution, `processor "${name}" is not loaded on node ${reportingNode}, output kept`);
      continue;
    }
    const failed = (reason: string): void => {
      logger.error('processor failed, output kept', { plugin: entry.plugin, error: reason });
      execution = noted(execution, `processor "${name}" failed, output kept: ${reason}`);
    };
    let config: Record<string, unknown>;
    try {
      config = parseConfig(entry.definition.config, job.processors[name], `processors.${name}`);
    } catch (thrown) {
      failed(errorMessage(thrown));
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
      options.clock,
    );
    if (settled.kind === 'hung') failed(`it did not finish within ${formatMs(options.timeoutMs)}`);
    else if (settled.kind === 'thrown') failed(errorMessage(settled.error));
    else if (!isExecution(settled.value)) failed('it returned no execution');
    else execution = settled.value;
  }
  return execution;
}

/** `execution` with `line` appended to its output on a line of its own. */
function noted(execution: Execution, line: string): Execution {
  const { output } = execution;
  const sep = output === '' || output.endsWith('\n') ? '' : '\n';
  return { ...execution, output: `${output}${sep}${line}\n` };
}

function isExecution(value: unknown): value is Execution {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.output === 'string' && typeof e.success === 'boolean';
}
