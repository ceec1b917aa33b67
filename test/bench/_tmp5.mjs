import { connect } from 'nats';
import { createTestHost } from '/work/wt-plugins-kit/packages/plugin-testing/dist/test-host.js';
import { natsExecutor } from '/work/wt-plugins-kit/plugins/executor-nats/dist/index.js';
import { mapLimit } from '/work/wt-plugins-kit/test/bench/lib/harness.mjs';

const plugin = natsExecutor();
const host = createTestHost();
await host.install(plugin);
const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
const p = new TextEncoder().encode('tick');
const cfg = { url: 'nats://127.0.0.1:4222', subject: 'bench.x', message: 'tick' };
const sides = {
  exec: () => host.execute('nats', cfg),
  bare: async () => {
    nc.publish('bench.x', p);
    await nc.flush();
    await new Promise((r) => setImmediate(r));
  },
};
for (let r = 0; r < 4; r++)
  for (const [k, f] of Object.entries(sides)) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    await mapLimit(Array.from({ length: 2000 }), 20, f);
    const c = process.cpuUsage(c0);
    console.log(
      r,
      k,
      'wall',
      (performance.now() - t).toFixed(0),
      'cpu ms',
      ((c.user + c.system) / 1000).toFixed(0),
      'user',
      (c.user / 1000).toFixed(0),
    );
  }
await plugin.close();
await nc.close();
process.exit(0);
