import { describeStoreContract } from '@dkron-core/store-testing';
import { createMemoryStore } from './memory-store.js';

describeStoreContract('memory', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close(), grantEpoch: async (epoch) => store.grantEpoch(epoch) };
});
