import { describeAccessStoreContract } from '../../../../../test/contract/access-contract.js';
import { createMemoryAccessStore } from './memory-access-store.js';

describeAccessStoreContract('memory', async () => {
  const store = createMemoryAccessStore();
  return { store, cleanup: () => store.close() };
});
