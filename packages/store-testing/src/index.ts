export type { AccessStoreUnderTest } from './access-contract.js';
export {
  contractEntry,
  contractPolicy,
  contractToken,
  describeAccessStoreContract,
} from './access-contract.js';
export type { StoreUnderTest } from './store-contract.js';
export { contractExecution, contractJob, describeStoreContract } from './store-contract.js';
