import type { AccessStore } from '@dkron-core/kernel';
import { describeAccessStoreContract } from '@dkron-core/store-testing';
import { afterAll, beforeAll } from 'vitest';
import { createRqliteAccessStore } from './rqlite-access-store.js';
import { createRqliteClient, type RqliteClient } from './rqlite-client.js';
import { startTestRqlite, type TestRqlite } from './test-support/helpers.js';

let node: TestRqlite;
let raw: RqliteClient;

beforeAll(async () => {
  node = await startTestRqlite();
  raw = createRqliteClient({ url: node.rqlite.url, credentials: node.rqlite.credentials });
}, 60_000);

afterAll(async () => {
  await raw?.close();
  await node?.cleanup();
});

for (const transport of ['rqlite-js', 'undici'] as const) {
  describeAccessStoreContract(`rqlite (${transport})`, async () => {
    const store: AccessStore = await createRqliteAccessStore({
      url: node.rqlite.url,
      credentials: node.rqlite.credentials,
      transport,
    });
    return {
      store,
      async cleanup() {
        await store.close();
        await raw.execute(
          [
            ['DELETE FROM acl_tokens'],
            ['DELETE FROM acl_policies'],
            ['DELETE FROM acl_meta'],
            ['DELETE FROM audit'],
          ],
          { transaction: true },
        );
      },
    };
  });
}
