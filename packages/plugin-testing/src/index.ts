/**
 * Test helpers for authors of dkron-core plugins: a host harness and the shared contract suites that
 * every executor and processor (built-in or third-party) runs with vitest.
 *
 * @packageDocumentation
 */

export type {
  ContractCase,
  ContractConfig,
  ExecutorContractCases,
  ExecutorContractOptions,
} from './executor-contract.js';
export { describeExecutorContract } from './executor-contract.js';
export { createTestExecution, createTestJob } from './fixtures.js';
export { describeProcessorContract } from './processor-contract.js';
export type {
  LogRecord,
  TestContextOptions,
  TestExecuteContext,
  TestExecutor,
  TestHost,
  TestProcessor,
} from './test-host.js';
export { createTestHost } from './test-host.js';
