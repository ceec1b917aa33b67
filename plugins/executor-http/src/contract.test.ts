import { describeExecutorContract } from '@dkron-core/plugin-testing';
import { afterAll } from 'vitest';
import { startTestServer } from '../../../test/fixtures/http-test-server.js';
import { httpExecutor } from './index.js';

// The cases need the server's port when the suite is declared.
const server = await startTestServer();
afterAll(() => server.close());

describeExecutorContract(httpExecutor(), 'http', {
  succeeding: { method: 'GET', url: `${server.url}/ok`, expectCode: '200' },
  failing: { method: 'GET', url: `${server.url}/status?code=500`, expectCode: '2xx' },
  testOnly: {
    // Aborted once the request is at the server, so the abort lands mid-request.
    slow: { config: { method: 'GET', url: `${server.url}/hang` }, running: () => server.arrived('/hang') },
  },
});
