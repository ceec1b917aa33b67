export type { ExecutionOutcome, RunExecutionOptions } from './run-execution.js';
export { DEFAULT_OUTPUT_LIMIT, EXECUTOR_NOT_PRESENT, runExecution } from './run-execution.js';
