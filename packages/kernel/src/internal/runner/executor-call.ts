import type { ExecuteContext, ExecuteResult, Job } from '@dkron-core/plugin-api';
import { errorMessage } from '../plugins/bind-logger.js';
import { parseConfig } from '../plugins/config-validation.js';
import type { PluginRegistry, RegisteredExecutor } from '../plugins/registry.js';
import type { Ended } from './outcome.js';
import { type Settled, settleReturned } from './settle.js';

/** A run that can call its executor: the executor found, its config parsed. */
export interface Ready {
  readonly executor: RegisteredExecutor;
  readonly config: Record<string, unknown>;
}

/** What the executor call returned; `early` when the executor was not called. */
export type Called = { value: unknown } | { thrown: unknown } | { early: Ended };

/** The executor of `job` and its parsed config, or how the run fails without calling it. Calls no plugin. */
export function resolveExecutor(registry: PluginRegistry, job: Job): Ready | Ended {
  const executor = registry.executor(job.executor);
  if (executor === undefined) {
    // Dkron says only `grpc_agent: Specified executor is not present`; say which one and how to load it.
    return { status: 'failed', error: registry.missingExecutorMessage(job.executor) };
  }
  try {
    return {
      executor,
      config: parseConfig(executor.definition.config, job.executor_config, 'executor_config'),
    };
  } catch (thrown) {
    return { status: 'failed', error: errorMessage(thrown) };
  }
}

/**
 * Emits `execution:start` (when someone listens) and calls the executor, synchronously: what it
 * returned or threw is settled later by {@link settledCall}.
 */
export function callExecutor(
  ready: Ready,
  job: Job,
  registry: PluginRegistry,
  context: ExecuteContext,
): Called {
  if (registry.hasListeners('execution:start'))
    void registry.emit('execution:start', { job, execution: context.execution });
  try {
    return {
      value: ready.executor.definition.execute(
        { job, config: ready.config, rawConfig: job.executor_config ?? {} },
        context,
      ),
    };
  } catch (thrown) {
    return { thrown };
  }
}

/** What a call that reached the executor returned, as a promise that never rejects. */
export function settledCall(
  called: { value: unknown } | { thrown: unknown },
): Promise<Settled<ExecuteResult>> {
  return 'thrown' in called
    ? Promise.resolve({ kind: 'thrown', error: called.thrown })
    : settleReturned(called.value as ExecuteResult | Promise<ExecuteResult>);
}
