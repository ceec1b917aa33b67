import { createRequire } from 'node:module';
import { describeExecutorContract } from '@dkron-core/plugin-testing';
import { afterAll } from 'vitest';
import { startPubSubFixture } from '../../../test/fixtures/pubsub-server.js';
import { pubsubExecutor } from './index.js';

process.env.METADATA_SERVER_DETECTION = 'none';
const protos = createRequire(import.meta.url).resolve('@google-cloud/pubsub/build/protos/protos.json');
// The cases need the fixture's port when the suite is declared.
const server = await startPubSubFixture(protos, {
  topics: ['projects/dkron-core-test/topics/dkron'],
  denied: ['projects/dkron-core-test/topics/secret'],
  hold: ['projects/dkron-core-test/topics/stuck'],
});
afterAll(() => server.close());

describeExecutorContract(pubsubExecutor({ apiEndpoint: server.address }), 'gcppubsub', {
  succeeding: { project: 'dkron-core-test', topic: 'dkron', data: 'aGk=' },
  failing: { project: 'dkron-core-test', topic: 'secret', data: 'aGk=' },
  testOnly: {
    // Aborted once the publish is at the server, so the abort lands mid-publish.
    slow: {
      config: { project: 'dkron-core-test', topic: 'stuck', data: 'aGk=' },
      running: () => server.publishArrived('projects/dkron-core-test/topics/stuck'),
    },
  },
});
