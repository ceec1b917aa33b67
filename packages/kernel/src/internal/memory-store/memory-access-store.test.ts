import { describeAccessStoreContract } from '@dkron-core/store-testing';
import { createMemoryAccessStore } from './memory-access-store.js';

describeAccessStoreContract('memory', async () => {
  const store = createMemoryAccessStore();
  return { store, cleanup: () => store.close() };
});
