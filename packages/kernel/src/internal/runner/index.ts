export type {
  ExecutionOutcome,
  PreparedExecution,
  PrepareExecutionOptions,
  RunExecutionOptions,
} from './run-execution.js';
export {
  DEFAULT_OUTPUT_LIMIT,
  prepareExecution,
  runExecution,
} from './run-execution.js';
