// Cost of one publish through the nats executor plugin against the bare `nats` client, measured in the
// same run against the machine's NATS server (NATS_URL, default nats://127.0.0.1:4222).
//
//   npx tsc -b tsconfig.build.json && node test/bench/nats-executor.bench.mjs     # about 15 s
//
// Executor side: natsExecutor() from plugins/executor-nats/dist installed on @dkron-core/plugin-testing's
// test host, as the shell benchmark does (setup(host), then execute with a parsed config, a fresh
// AbortController and output sink per run), 2,000 runs at concurrency 20. Also measured, for
// information: the same runs through the kernel's registry and runExecution (what the agent adds per
// run: execution record, output capture, processors, events). Bare side: one `nats` connection,
// publish then flush per message (the executor confirms each publish with a flush round trip), 2,000
// at concurrency 20. Both publish to one subject that a subscriber on its own connection counts, so a
// message that never arrived fails the benchmark. Rounds alternate which side goes first; reported: ms
// per side per round, the median over rounds, and the ratio executor/bare of the medians. The same is
// printed for JetStream (executor `jetstream: true` against a bare `js.publish`), for information.
// Exits 1 when the core ratio is above 1.3 or a run fails.
//
// Env: NATS_ROUNDS (default 5), NATS_RUNS (per side per round, default 2000), NATS_CONCURRENCY (20).
import { randomUUID } from 'node:crypto';
import { connect } from 'nats';
import { createPluginRegistry, runExecution } from '../../packages/kernel/dist/index.js';
import { createTestExecution, createTestJob } from '../../packages/plugin-testing/dist/fixtures.js';
import { createTestHost } from '../../packages/plugin-testing/dist/test-host.js';
import { natsExecutor } from '../../plugins/executor-nats/dist/index.js';
import { envInt, loadNote, mapLimit, median } from './lib/harness.mjs';

const GOAL = 1.3;
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ROUNDS = envInt('NATS_ROUNDS', 5);
const RUNS = envInt('NATS_RUNS', 2000);
const CONCURRENCY = envInt('NATS_CONCURRENCY', 20);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const subject = `dkron.bench.${randomUUID()}`;
const stream = `DKRON_BENCH_${randomUUID().replaceAll('-', '')}`;
const jsSubject = `dkron.benchjs.${stream}`;

const counter = await connect({ servers: NATS_URL });
let delivered = 0;
const sub = counter.subscribe(subject);
void (async () => {
  for await (const _ of sub) delivered++;
})();
await counter.flush();
const jsm = await counter.jetstreamManager();
await jsm.streams.add({ name: stream, subjects: [jsSubject], storage: 'memory' });

const registry = createPluginRegistry({ nodeName: 'bench', logger: silent });
const plugin = natsExecutor();
await registry.register(plugin);
const testHost = createTestHost({ nodeName: 'bench' });
const hostPlugin = natsExecutor();
await testHost.install(hostPlugin);
const bare = await connect({ servers: NATS_URL });
const js = bare.jetstream();
const payload = new TextEncoder().encode('tick');
let failures = 0;

function jobFor(jetstream) {
  return createTestJob({
    name: jetstream ? 'bench-js' : 'bench',
    executor: 'nats',
    executor_config: {
      url: NATS_URL,
      subject: jetstream ? jsSubject : subject,
      message: 'tick',
      jetstream: String(jetstream),
    },
  });
}
const jobs = { core: jobFor(false), js: jobFor(true) };

/** One run through the test host (what the shell benchmark measures): the plugin's own cost. */
async function viaHost(kind) {
  const job = jobs[kind];
  const { result } = await testHost.execute('nats', job.executor_config);
  if (!result.success) {
    failures++;
    if (failures <= 3) console.error('executor run failed:', result.error);
  }
}

/** One run through the kernel's runner, as the agent runs it (informational). */
async function viaRunner(kind) {
  const job = jobs[kind];
  const outcome = await runExecution({
    registry,
    job,
    execution: createTestExecution({}, job),
    logger: silent,
    reportingNode: 'bench',
  });
  if (outcome.status !== 'success') {
    failures++;
    if (failures <= 3) console.error('executor run failed:', outcome.error);
  }
}

async function viaBare(kind) {
  try {
    if (kind === 'js') await js.publish(jsSubject, payload);
    else {
      bare.publish(subject, payload);
      await bare.flush();
    }
  } catch (error) {
    failures++;
    if (failures <= 3) console.error('bare publish failed:', error.message);
  }
}

async function batch(fn, kind) {
  const t0 = performance.now();
  await mapLimit(Array.from({ length: RUNS }), CONCURRENCY, () => fn(kind));
  return performance.now() - t0;
}

async function measure(kind) {
  const sides = { executorMs: viaHost, bareMs: viaBare, runnerMs: viaRunner };
  // Warm-up: connections open, JIT warm.
  for (const fn of Object.values(sides)) await batch(fn, kind);
  const rows = [];
  const names = Object.keys(sides);
  for (let round = 0; round < ROUNDS; round++) {
    const row = { round: round + 1 };
    // The order rotates round by round, so drift of the machine's load hits every side alike.
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      row[name] = await batch(sides[name], kind);
    }
    rows.push(row);
  }
  return rows;
}

console.log(
  `nats executor vs bare nats client: ${RUNS} publishes per side per round at concurrency ${CONCURRENCY}, ${ROUNDS} rounds; ${loadNote()}`,
);
const results = {};
for (const kind of ['core', 'js']) {
  const rows = await measure(kind);
  const exec = median(rows.map((r) => r.executorMs));
  const bareMed = median(rows.map((r) => r.bareMs));
  const runner = median(rows.map((r) => r.runnerMs));
  results[kind] = { exec, bare: bareMed, ratio: exec / bareMed, runnerRatio: runner / bareMed };
  console.log(`\n${kind === 'core' ? 'core publish (publish + flush)' : 'JetStream publish with ack'}:`);
  console.table(
    rows.map((r) => ({
      round: r.round,
      'executor ms': r.executorMs.toFixed(1),
      'bare ms': r.bareMs.toFixed(1),
      'runner ms': r.runnerMs.toFixed(1),
      'executor µs/run': ((r.executorMs / RUNS) * 1000).toFixed(1),
      'bare µs/run': ((r.bareMs / RUNS) * 1000).toFixed(1),
      'runner µs/run': ((r.runnerMs / RUNS) * 1000).toFixed(1),
    })),
  );
  console.log(
    `median: executor ${exec.toFixed(1)} ms (${((exec / RUNS) * 1000).toFixed(1)} µs/run), bare ${bareMed.toFixed(1)} ms ` +
      `(${((bareMed / RUNS) * 1000).toFixed(1)} µs/run), ratio executor/bare ${(exec / bareMed).toFixed(2)}; ` +
      `through the kernel runner ${runner.toFixed(1)} ms, ratio ${(runner / bareMed).toFixed(2)}`,
  );
}

await counter.flush();
const expected = (ROUNDS + 1) * 3 * RUNS;
await plugin.close();
await hostPlugin.close();
await bare.close();
await jsm.streams.delete(stream);
await counter.drain();
if (delivered !== expected) {
  console.error(`subscriber counted ${delivered} core messages, expected ${expected}`);
  failures++;
}
console.log(`\nload after: ${loadNote()}`);
console.log(
  `core ratio executor/bare: ${results.core.ratio.toFixed(2)} (goal <= ${GOAL}); through the kernel runner ` +
    `${results.core.runnerRatio.toFixed(2)}; JetStream ${results.js.ratio.toFixed(2)}, runner ${results.js.runnerRatio.toFixed(2)} (informational)`,
);
if (failures > 0) {
  console.error(`${failures} failed runs`);
  process.exit(1);
}
if (results.core.ratio > GOAL) process.exit(1);
