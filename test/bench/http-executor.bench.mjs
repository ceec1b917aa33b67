// Cost of a run of the http executor against a bare undici `request`, both against one local HTTP
// server, measured in the same run.
//
//   npx tsc -b tsconfig.build.json && node test/bench/http-executor.bench.mjs      # about 10 s
//
// The server is a node:http server in a child process (its own process group, killed on exit) that
// answers every GET with a 120-byte body. Per round, each side sends HTTP_REQUESTS (2,000) requests at
// concurrency HTTP_CONCURRENCY (20); the side order rotates from round to round, so a change of the
// machine's load hits both alike.
//
// - executor: `httpExecutor()` from plugins/executor-http/dist, installed on @dkron-core/plugin-testing's
//   createTestHost(); every run parses the config with the executor's schema as the agent does (method,
//   url, expectCode 200, the default 30 s timeout) and calls `execute()` with a fresh AbortController's
//   signal and an output sink keeping the chunks; the executor writes the status line and the body and
//   checks the code;
// - bare: undici `request(url, { dispatcher })` on its own `Agent`, then `body.text()` and a status check;
// - executor (test host), for information: the same through `testHost.execute()` with a fresh
//   `testHost.createContext()`, which costs about 24 µs per context (its TextDecoder, a fake execution).
//
// Reported: per side, the median over rounds of the wall time per request (the round's time / its
// requests), req/s, this process's CPU time per request, p50/p99 of single requests; then the ratio
// executor/bare within each round (both sides run back to back) for wall and CPU time, and their
// medians. Exits 1 when a request fails or the median wall ratio is above 1.3 (the goal).
//
// Env: HTTP_ROUNDS (default 9), HTTP_REQUESTS (per side per round, 2000), HTTP_CONCURRENCY (20).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { createTestHost } from '../../packages/plugin-testing/dist/test-host.js';
import { httpExecutor } from '../../plugins/executor-http/dist/index.js';
import { envInt, killGroup, loadNote, mapLimit, median, summarize, trackGroup } from './lib/harness.mjs';

const GOAL = 1.3;
const ROUNDS = envInt('HTTP_ROUNDS', 9);
const REQUESTS = envInt('HTTP_REQUESTS', 2000);
const CONCURRENCY = envInt('HTTP_CONCURRENCY', 20);
const WARMUP = 1000;

const SERVER = `
const http = require('node:http');
const body = Buffer.from('x'.repeat(120));
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.setHeader('content-type', 'text/plain'); res.end(body); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

const child = trackGroup(
  spawn(process.execPath, ['-e', SERVER], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] }),
);
const [portLine] = await once(child.stdout, 'data');
const url = `http://127.0.0.1:${String(portLine).trim()}/ok`;

const testHost = createTestHost({ nodeName: 'bench' });
const plugin = httpExecutor();
await testHost.install(plugin);
const CONFIG = { method: 'GET', url, expectCode: '200' };
const bareAgent = new Agent();
let failures = 0;

const definition = testHost.executor('http');
const job = testHost.createContext({ job: { executor: 'http', executor_config: CONFIG } }).job;
const execution = testHost.createContext({ job }).execution;
const logger = { debug() {}, info() {}, warn() {}, error() {} };

function check(result) {
  if (!result.success) {
    failures++;
    if (failures <= 3) console.error('executor run failed:', result);
  }
}

/**
 * One run through the executor as the agent calls it: the config parsed with the executor's schema,
 * a fresh AbortController, an output sink that keeps the chunks.
 */
async function viaExecutor() {
  const chunks = [];
  let bytes = 0;
  const output = {
    write(chunk) {
      chunks.push(chunk);
      bytes += typeof chunk === 'string' ? chunk.length : chunk.byteLength;
    },
    get bytesWritten() {
      return bytes;
    },
  };
  const config = definition.config.parse(CONFIG, 'executor_config');
  const signal = new AbortController().signal;
  const context = { signal, output, logger, execution, job };
  check(await definition.execute({ job, config, rawConfig: CONFIG }, context));
}

/** The same through plugin-testing's test host (its context costs ~24 µs: for information). */
async function viaTestHost() {
  const context = testHost.createContext({ job: { executor: 'http', executor_config: CONFIG } });
  check((await testHost.execute('http', CONFIG, context)).result);
}

/** One bare undici request, body read, status checked. */
async function bare() {
  const { statusCode, body } = await request(url, { dispatcher: bareAgent });
  await body.text();
  if (statusCode !== 200) failures++;
}

/**
 * Sends `count` requests with `fn` at CONCURRENCY; returns the wall time, this process's CPU time
 * (user + system, ms) and the single latencies.
 */
async function side(fn, count) {
  const latencies = new Float64Array(count);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await mapLimit(Array.from({ length: count }), CONCURRENCY, async (_, i) => {
    const t0 = performance.now();
    await fn();
    latencies[i] = performance.now() - t0;
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, latencies };
}

const SIDES = { executor: viaExecutor, bare, 'executor (test host)': viaTestHost };
const names = Object.keys(SIDES);
for (const name of names) await side(SIDES[name], WARMUP);

const perRound = Object.fromEntries(names.map((n) => [n, []]));
const cpuPerRound = Object.fromEntries(names.map((n) => [n, []]));
const allRuns = Object.fromEntries(names.map((n) => [n, []]));
const loadBefore = loadNote();
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length];
    const { wallMs, cpuMs, latencies } = await side(SIDES[name], REQUESTS);
    perRound[name].push(wallMs / REQUESTS);
    cpuPerRound[name].push(cpuMs / REQUESTS);
    allRuns[name].push(...latencies);
  }
}
const loadAfter = loadNote();

const med = Object.fromEntries(names.map((n) => [n, median(perRound[n])]));
const cpuMed = Object.fromEntries(names.map((n) => [n, median(cpuPerRound[n])]));
// Each round runs both sides back to back: the ratio within a round cancels the load drift between
// rounds, so the goal is judged on the median of the per-round ratios.
const roundRatios = perRound.executor.map((v, i) => v / perRound.bare[i]);
const ratio = median(roundRatios);
const cpuRatios = cpuPerRound.executor.map((v, i) => v / cpuPerRound.bare[i]);

console.log(
  `http executor vs bare undici request: ${ROUNDS} rounds x ${REQUESTS} requests per side at concurrency ${CONCURRENCY} (node ${process.version})`,
);
console.log(`machine: ${loadBefore} before, ${loadAfter} after`);
console.table(
  names.map((n) => {
    const s = summarize(allRuns[n]);
    return {
      side: n,
      'median ms/request (wall)': med[n].toFixed(4),
      'req/s': (1000 / med[n]).toFixed(0),
      'per round ms/request': perRound[n].map((v) => v.toFixed(4)).join(' '),
      'CPU µs/request': (cpuMed[n] * 1000).toFixed(1),
      'p50 ms': s.p50.toFixed(3),
      'p99 ms': s.p99.toFixed(3),
      'x bare': (med[n] / med.bare).toFixed(2),
    };
  }),
);
console.log(
  `overhead per run: ${((med.executor - med.bare) * 1000).toFixed(1)} µs of wall time, ` +
    `${((cpuMed.executor - cpuMed.bare) * 1000).toFixed(1)} µs of CPU per request`,
);
console.log(`per-round ratio executor/bare, wall: ${roundRatios.map((r) => r.toFixed(2)).join(' ')}`);
console.log(`per-round ratio executor/bare, CPU:  ${cpuRatios.map((r) => r.toFixed(2)).join(' ')}`);
console.log(`CPU ratio executor/bare (median of rounds): ${median(cpuRatios).toFixed(2)}`);
console.log(
  `ratio executor/bare, wall (median of rounds): ${ratio.toFixed(2)}  goal <= ${GOAL}: ${ratio <= GOAL ? 'MET' : 'NOT MET'}`,
);
await plugin.close?.();
await bareAgent.close();
killGroup(child.pid);
if (failures > 0) {
  console.error(`FAIL: ${failures} requests did not succeed`);
  process.exit(1);
}
if (ratio > GOAL) {
  console.error(`FAIL: the executor costs ${ratio.toFixed(2)}x a bare undici request (goal <= ${GOAL}x)`);
  process.exit(1);
}
