import { describeExecutorContract } from '@dkron-core/plugin-testing';
import { afterAll } from 'vitest';
import { KafkaErrors, startKafkaFixture } from '../../../test/fixtures/kafka/broker.js';
import { kafkaExecutor } from './index.js';

// The client takes seconds to load on a busy machine; the executor loads it at its first run.
await import('@platformatic/kafka');
// The cases need the fixture's port when the suite is declared.
const broker = await startKafkaFixture({
  topics: {
    dkron: {},
    denied: { produceError: KafkaErrors.TOPIC_AUTHORIZATION_FAILED },
    stuck: { hold: true },
  },
});
afterAll(() => broker.close());

describeExecutorContract(kafkaExecutor(), 'kafka', {
  succeeding: { brokerAddress: broker.address, topic: 'dkron', key: 'k', message: 'contract' },
  failing: { brokerAddress: broker.address, topic: 'denied', message: 'contract' },
  testOnly: {
    // Aborted once the produce request is at the broker, so the abort lands mid-produce.
    slow: {
      config: { brokerAddress: broker.address, topic: 'stuck', message: 'contract' },
      running: () => broker.produceArrived('stuck'),
    },
  },
});
