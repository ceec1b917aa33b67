import { createApi } from '../create-api.js';
import type { ApiOptions } from '../options.js';
import { createTestAgent } from './test-agent.js';

/**
 * The real kernel agent on the memory store and an app on it, for tests that stop it themselves.
 * Its `gate` executor writes `text`, then ends at once (`hold: false`) or when the test opens its
 * gates or the run is cancelled (`hold: true`).
 */
export async function realAgent(options: Partial<ApiOptions> = {}, nodeName = 'node-r') {
  const test = await createTestAgent({ nodeName });
  const app = createApi({ agent: test.api, ...options });
  return {
    agent: test.api,
    app,
    /** Ends every held run. */
    openGates: () => test.release(),
    stop: () => test.stop(),
  };
}
