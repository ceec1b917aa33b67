// Cost of one run of `true` through the shell executor plugin against a bare child_process.spawn,
// measured in the same run.
//
//   npx tsc -b tsconfig.build.json && node test/bench/shell.bench.mjs      # about 10 s
//
// The executor is set up with @dkron-core/plugin-testing's test host (what the agent's registry does:
// setup(host), then execute(request, context) with a parsed config, an AbortController's signal and an
// output sink). Every run is sequential (one process at a time); the sides are interleaved run by run
// (the order rotates) within rounds, so drift of the machine's load hits them alike. Reported: mean ms
// per run in each round, the median over rounds, the p50 of single runs, and the ratio executor/bare
// of the round medians. Exits 1 when the ratio is above 1.5 or a run fails.
//
// Env: SHELL_ROUNDS (default 5), SHELL_RUNS (per side per round, default 100).
import { spawn } from 'node:child_process';
import { createTestHost } from '../../packages/plugin-testing/dist/test-host.js';
import { shellExecutor } from '../../plugins/executor-shell/dist/index.js';
import { envInt, loadNote, median } from './lib/harness.mjs';

const GOAL = 1.5;
const ROUNDS = envInt('SHELL_ROUNDS', 5);
const RUNS = envInt('SHELL_RUNS', 100);
const WARMUP = 30;

const testHost = createTestHost({ nodeName: 'bench' });
const plugin = shellExecutor();
await testHost.install(plugin);
const CONFIG = { command: 'true' };
let failures = 0;

/** One run through the executor, as the agent calls it: fresh context, parsed config. */
async function viaExecutor() {
  const context = testHost.createContext({ job: { executor: 'shell', executor_config: CONFIG } });
  const { result } = await testHost.execute('shell', CONFIG, context);
  if (!result.success) {
    failures++;
    if (failures <= 3) console.error('executor run failed:', result);
  }
}

/** Bare spawn of `true`, default options, until 'close'. */
function bare() {
  return new Promise((resolve) => {
    const child = spawn('true');
    child.once('error', (err) => {
      failures++;
      console.error('bare spawn failed:', err.message);
      resolve();
    });
    child.once('close', (code) => {
      if (code !== 0) failures++;
      resolve();
    });
  });
}

/** Spawn with the executor's options (own process group, stdin ignored, env copied): informational. */
function bareLikeExecutor() {
  return new Promise((resolve) => {
    const child = spawn('true', [], {
      env: { ...process.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', () => {});
    child.stderr.setEncoding('utf8').on('data', () => {});
    child.once('error', () => {
      failures++;
      resolve();
    });
    child.once('close', (code) => {
      if (code !== 0) failures++;
      resolve();
    });
  });
}

/** ms of one call. */
async function once(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const SIDES = { executor: viaExecutor, bare, 'bare (executor options)': bareLikeExecutor };
const names = Object.keys(SIDES);
for (let i = 0; i < WARMUP; i++) for (const name of names) await once(SIDES[name]);

// Interleaved run by run (the side order rotates), so a load change hits every side alike.
const perRound = Object.fromEntries(names.map((n) => [n, []]));
const allRuns = Object.fromEntries(names.map((n) => [n, []]));
const loadBefore = loadNote();
for (let round = 0; round < ROUNDS; round++) {
  const sums = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < RUNS; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      const dt = await once(SIDES[name]);
      sums[name] += dt;
      allRuns[name].push(dt);
    }
  }
  for (const name of names) perRound[name].push(sums[name] / RUNS);
}
const loadAfter = loadNote();

const med = Object.fromEntries(names.map((n) => [n, median(perRound[n])]));
const ratio = med.executor / med.bare;
const roundRatios = perRound.executor.map((v, i) => v / perRound.bare[i]);

console.log(
  `shell executor vs bare spawn('true'): ${ROUNDS} rounds x ${RUNS} sequential runs per side (node ${process.version})`,
);
console.log(`machine: ${loadBefore} before, ${loadAfter} after`);
console.table(
  names.map((n) => ({
    side: n,
    'median ms/run': med[n].toFixed(3),
    'runs/s': (1000 / med[n]).toFixed(0),
    'per round ms': perRound[n].map((v) => v.toFixed(2)).join(' '),
    'p50 of runs ms': median(allRuns[n]).toFixed(3),
    'x bare': (med[n] / med.bare).toFixed(2),
  })),
);
console.log(`per-round ratio executor/bare: ${roundRatios.map((r) => r.toFixed(2)).join(' ')}`);
console.log(
  `ratio executor/bare (median of rounds): ${ratio.toFixed(2)}  goal <= ${GOAL}: ${ratio <= GOAL ? 'MET' : 'NOT MET'}`,
);
await plugin.close?.();
if (failures > 0) {
  console.error(`FAIL: ${failures} runs did not succeed`);
  process.exit(1);
}
if (ratio > GOAL) {
  console.error(`FAIL: executor costs ${ratio.toFixed(2)}x a bare spawn (goal <= ${GOAL}x)`);
  process.exit(1);
}
