import { DkronError, isDkronError, type Job } from '@dkron-core/plugin-api';
import { toJob, validateJob } from '../job/index.js';
import type { PluginRegistry } from '../plugins/index.js';

/** What validation needs of the job service's options. */
export interface ValidateInputDeps {
  readonly registry: PluginRegistry;
  readonly defaultTimezone: string;
  /** Executors other members provide (see `AgentOptions.remoteExecutors`). */
  readonly remoteExecutors?: () => ReadonlySet<string>;
}

/** Posted input as a valid job: Dkron's rules, then the executor's and processors' config schemas. */
export function validateJobInput(deps: ValidateInputDeps, input: unknown): Job {
  const { registry } = deps;
  const job = toJob(input);
  validateJob(job, {
    defaultTimezone: deps.defaultTimezone,
    validateExecutorConfig: (executor, config) => {
      // Only another member has it: that member checks the config when it runs the job.
      if (deps.remoteExecutors?.().has(executor) && !hasExecutor(registry, executor)) return;
      registry.validateExecutorConfig(executor, config);
    },
    validateProcessors: (processors) => registry.validateProcessors(processors),
  });
  return job;
}

/** Validates job `i` of a restore file; an error names the entry (`[i].field`) so that it can be found. */
export function validateEntry(validate: (input: unknown) => Job, input: unknown, i: number): Job {
  try {
    return validate(input);
  } catch (err) {
    if (!isDkronError(err)) throw err;
    const field = typeof err.details.field === 'string' ? err.details.field : '';
    throw new DkronError(err.code, `job ${i}: ${err.message}`, {
      details: { ...err.details, field: field === '' ? `[${i}]` : `[${i}].${field}` },
      cause: err,
    });
  }
}

function hasExecutor(registry: PluginRegistry, name: string): boolean {
  return registry.catalog().executors.some((e) => e.name === name);
}
