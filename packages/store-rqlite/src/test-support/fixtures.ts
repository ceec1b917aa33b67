// The store tests build their jobs and executions exactly as the shared contract suite does.
export {
  contractExecution as makeExecution,
  contractJob as makeJob,
} from '@dkron-core/store-testing';
