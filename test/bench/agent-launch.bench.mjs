// The agent's own cost of starting scheduled runs, without the store's latency: an in-process agent
// over the in-memory store, N jobs `@every 1s` (all on the same slot) on a no-op executor stamping the
// time execute() was called, for BENCH_SECONDS. Lateness = execute() call - slot. Baseline in the same
// process: N plain callbacks started from one timer at the slot (the floor of "run N things at once").
//
//   npx tsc -b tsconfig.build.json && node test/bench/agent-launch.bench.mjs
//
// Env: BENCH_SECONDS (default 20), BENCH_JOBS (default 2000).

import { createAgent, createMemoryStore, createPluginRegistry } from '../../packages/kernel/dist/index.js';
import { c } from '../../packages/plugin-api/dist/index.js';
import { envInt, loadNote, ms, sleep, summarize } from './lib/harness.mjs';

const SECONDS = envInt('BENCH_SECONDS', 20);
const JOBS = envInt('BENCH_JOBS', 2000);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

console.log(
  `agent launch benchmark: ${JOBS} jobs every 1 s for ${SECONDS} s, in-memory store; machine: ${loadNote()}`,
);

async function baseline() {
  const lateness = [];
  const fns = Array.from({ length: JOBS }, () => (slot) => lateness.push(Date.now() - slot));
  const end = Math.ceil(Date.now() / 1000) * 1000 + 1000 + SECONDS * 1000;
  await new Promise((resolve) => {
    const tick = () => {
      const slot = Math.ceil(Date.now() / 1000) * 1000;
      if (slot >= end) return resolve();
      setTimeout(() => {
        for (const fn of fns) fn(slot);
        tick();
      }, slot - Date.now());
    };
    tick();
  });
  return summarize(lateness);
}

async function agentRun() {
  const lateness = [];
  const registry = createPluginRegistry({ nodeName: 'bench', logger: silent });
  await registry.register({
    name: 'bench',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'noop',
        config: c.object({}),
        async execute(_req, ctx) {
          const slot = Date.parse(ctx.execution.scheduled_at);
          lateness.push(Date.now() - slot);
          return { success: true };
        },
      });
    },
  });
  const store = createMemoryStore();
  const agent = createAgent({
    nodeName: 'bench',
    version: 'bench',
    store,
    registry,
    logger: silent,
    maxExecutionsPerJob: 5,
  });
  await agent.start();
  const startsAt = Math.ceil((Date.now() + 2000) / 1000) * 1000;
  for (let i = 0; i < JOBS; i++) {
    await agent.saveJob({
      name: `j${i}`,
      schedule: '@every 1s',
      executor: 'noop',
      executor_config: {},
      starts_at: new Date(startsAt).toISOString(),
    });
  }
  await sleep(startsAt + 2000 - Date.now());
  lateness.length = 0;
  await sleep(SECONDS * 1000);
  const result = summarize(lateness);
  const count = lateness.length;
  await agent.stop({ timeoutMs: 1000 });
  return { ...result, count };
}

const base = await baseline();
const ours = await agentRun();
console.table([
  {
    run: 'agent (memory store)',
    runs: ours.count,
    p50: ms(ours.p50),
    p90: ms(ours.p90),
    p99: ms(ours.p99),
    max: ms(ours.max),
  },
  {
    run: 'baseline: plain callbacks',
    runs: '',
    p50: ms(base.p50),
    p90: ms(base.p90),
    p99: ms(base.p99),
    max: ms(base.max),
  },
]);
console.log(
  `per-run agent cost at the slot ≈ ${(((ours.p99 - base.p99) / JOBS) * 1000).toFixed(1)} µs (p99 difference / jobs)`,
);
process.exit(0);
