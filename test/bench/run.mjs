// Runs benchmarks one after another, each in its own Node process, forwarding their output.
//
//   node test/bench/run.mjs                   # all: schedule, shell, http-executor, api, create, scheduling, agent-launch, nats, cluster
//   node test/bench/run.mjs shell api         # the named ones, in the order given
//
// `pnpm bench` builds first, then runs this. Exits with the first failing benchmark's exit code (1 when
// it died from a signal), after running the rest; 2 for an unknown name.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHES = {
  schedule: 'schedule.bench.mjs',
  shell: 'shell.bench.mjs',
  'http-executor': 'http-executor.bench.mjs',
  api: 'api.bench.mjs',
  create: 'create.bench.mjs',
  scheduling: 'scheduling.bench.mjs',
  'agent-launch': 'agent-launch.bench.mjs',
  nats: 'nats-executor.bench.mjs',
  cluster: 'cluster.bench.mjs',
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(BENCHES);
const unknown = names.filter((n) => !Object.hasOwn(BENCHES, n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

let current;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    // The benchmark cleans up its own servers on the signal; then this exits with it.
    current?.kill(signal);
    process.exitCode = 130;
  });
}

const results = [];
for (const name of names) {
  const file = fileURLToPath(new URL(BENCHES[name], import.meta.url));
  console.log(`\n=== ${name} (${BENCHES[name]}) ===`);
  const started = performance.now();
  const { code, signal } = await new Promise((resolve) => {
    current = spawn(process.execPath, [file], { stdio: 'inherit' });
    current.once('error', (err) => {
      console.error(`cannot start ${file}: ${err.message}`);
      resolve({ code: 1, signal: null });
    });
    current.once('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  current = undefined;
  results.push({
    benchmark: name,
    exit: signal ?? code,
    seconds: ((performance.now() - started) / 1000).toFixed(0),
  });
  if (process.exitCode === 130) break;
}

console.log('\n=== summary ===');
console.table(results);
const failed = results.find((r) => r.exit !== 0);
if (process.exitCode !== 130 && failed) process.exitCode = typeof failed.exit === 'number' ? failed.exit : 1;
