import { type Agent, createAgent, createMemoryStore, createPluginRegistry } from '@dkron-core/kernel';
import { c, definePlugin, type Logger } from '@dkron-core/plugin-api';
import { createApi } from '../create-api.js';
import type { ApiOptions } from '../options.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The real kernel agent on the memory store, with one executor `gate`: it writes `text`, then ends at
 * once (`hold: false`) or when the test opens its gate or the run is cancelled (`hold: true`).
 */
export async function realAgent(options: Partial<ApiOptions> = {}, nodeName = 'node-r') {
  const gates: (() => void)[] = [];
  const registry = createPluginRegistry({ nodeName, logger: silent });
  await registry.register(
    definePlugin({
      name: 'gate-executor',
      apiVersion: 1,
      setup(host) {
        host.executor({
          name: 'gate',
          config: c.object({ text: c.string().default(''), hold: c.boolean().default(false) }),
          async execute(req, ctx) {
            if (req.config.text !== '') ctx.output.write(req.config.text);
            if (!req.config.hold) return { success: true };
            return new Promise((resolve) => {
              gates.push(() => resolve({ success: true }));
              ctx.signal.addEventListener('abort', () => resolve({ success: false, error: 'cancelled' }));
            });
          },
        });
      },
    }),
  );
  const agent: Agent = createAgent({
    nodeName,
    version: 'test',
    store: createMemoryStore(),
    registry,
    logger: silent,
  });
  await agent.start();
  const app = createApi({ agent, ...options });
  return {
    agent,
    app,
    /** Ends every held run. */
    openGates: () => {
      for (const open of gates.splice(0)) open();
    },
    stop: async () => {
      for (const open of gates.splice(0)) open();
      await agent.stop({ timeoutMs: 0 });
    },
  };
}
