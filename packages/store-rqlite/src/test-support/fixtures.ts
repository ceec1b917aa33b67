// The store tests build their jobs and executions exactly as the shared contract suite does.
export {
  contractExecution as makeExecution,
  contractJob as makeJob,
} from '../../../../test/contract/store-contract.js';
