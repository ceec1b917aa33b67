// Job creation rate through the REST API of a real server (built CLI, embedded rqlited), sequentially and
// at concurrency 16, for one build or several builds side by side in one run (to compare commits).
//
//   npx tsc -b tsconfig.build.json && node test/bench/create.bench.mjs          # about 30 s
//   CREATE_BUILDS=/tmp/old,. node test/bench/create.bench.mjs                   # an old checkout vs this one
//
// Per build and round: a fresh server; CREATE_SEQ (200) jobs with POST /v1/jobs one after another, then
// CREATE_JOBS (1,000) more at concurrency 16 (undici Pool, 16 connections). The jobs are `@every 1s` on
// the shell executor with a `starts_at` a day ahead, so nothing runs: this measures the create path only
// (validation, ACL/audit hooks, store writes). Printed per phase: jobs/s, p50/p99 latency and the CPU
// seconds per job of the agent and of its rqlited. With several builds and CREATE_ROUNDS > 1 the builds
// alternate (A B B A ...), so a change of the machine's load hits each alike; the ratios in the last
// table are of the median jobs/s per build against the first build's.
// Exits 1 when a create does not answer 201. Figures only; nothing is asserted about speed.
//
// Env: CREATE_JOBS (1000), CREATE_SEQ (200), CREATE_ROUNDS (1), CREATE_BUILDS (comma-separated checkout
// roots, default this checkout; each must be built).
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import {
  cpuSecondsOf,
  envInt,
  loadNote,
  mapLimit,
  median,
  ms,
  REPO,
  startServer,
  summarize,
} from './lib/harness.mjs';

const JOBS = envInt('CREATE_JOBS', 1000);
const SEQ = envInt('CREATE_SEQ', 200);
const ROUNDS = envInt('CREATE_ROUNDS', 1);
const CONCURRENCY = 16;
const builds = (process.env.CREATE_BUILDS ?? REPO)
  .split(',')
  .filter(Boolean)
  .map((dir) => resolve(dir));
const STARTS_AT = new Date(Date.now() + 86_400_000).toISOString();

const jobBody = (name) =>
  JSON.stringify({
    name,
    schedule: '@every 1s',
    executor: 'shell',
    executor_config: { command: 'true' },
    starts_at: STARTS_AT,
  });

let failures = 0;

async function createPhase(pool, names, concurrency, pids) {
  const latencies = [];
  const cpu0 = await Promise.all(pids.map(cpuSecondsOf));
  const t0 = performance.now();
  await mapLimit(names, concurrency, async (name) => {
    const started = performance.now();
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path: '/v1/jobs',
      headers: { 'content-type': 'application/json' },
      body: jobBody(name),
    });
    const text = await body.text();
    latencies.push(performance.now() - started);
    if (statusCode !== 201 && failures++ < 3)
      console.error(`create ${name}: ${statusCode} ${text.slice(0, 200)}`);
  });
  const wallMs = performance.now() - t0;
  const cpu1 = await Promise.all(pids.map(cpuSecondsOf));
  const s = summarize(latencies);
  const cpuMsPerJob = pids.map((_, i) => (((cpu1[i] ?? 0) - (cpu0[i] ?? 0)) * 1000) / names.length);
  return { rate: (names.length / wallMs) * 1000, p50: s.p50, p99: s.p99, cpuMsPerJob };
}

async function measure(build) {
  const server = await startServer({ bin: join(build, 'apps/dkron-core/bin/dkron-core.js') });
  const pool = new Pool(server.baseUrl, { connections: CONCURRENCY });
  try {
    const pids = [server.pid, await server.rqlitedPid()];
    const seq = await createPhase(
      pool,
      Array.from({ length: SEQ }, (_, i) => `seq-${i}`),
      1,
      pids,
    );
    const par = await createPhase(
      pool,
      Array.from({ length: JOBS }, (_, i) => `par-${i}`),
      CONCURRENCY,
      pids,
    );
    return { seq, par };
  } finally {
    await pool.close().catch(() => {});
    await server.stop();
  }
}

console.log(`create benchmark (node ${process.version}); machine: ${loadNote()}`);
const rows = [];
const rates = new Map(builds.map((b) => [b, { seq: [], par: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const build of order) {
    const r = await measure(build);
    rates.get(build).seq.push(r.seq.rate);
    rates.get(build).par.push(r.par.rate);
    for (const [phase, p] of [
      [`sequential x${SEQ}`, r.seq],
      [`concurrency ${CONCURRENCY} x${JOBS}`, r.par],
    ]) {
      rows.push({
        build,
        round,
        phase,
        'jobs/s': p.rate.toFixed(1),
        p50: ms(p.p50),
        p99: ms(p.p99),
        'cpu ms/job agent+rqlited': p.cpuMsPerJob.map((c) => c.toFixed(2)).join(' + '),
      });
    }
    console.log(`${build} round ${round}: done (${loadNote()})`);
  }
}
console.table(rows);
const first = rates.get(builds[0]);
console.table(
  builds.map((build) => {
    const r = rates.get(build);
    return {
      build,
      'sequential jobs/s (median)': median(r.seq).toFixed(1),
      'ratio to first': (median(r.seq) / median(first.seq)).toFixed(2),
      [`concurrency ${CONCURRENCY} jobs/s (median)`]: median(r.par).toFixed(1),
      'ratio to first ': (median(r.par) / median(first.par)).toFixed(2),
    };
  }),
);
if (failures > 0) {
  console.error(`FAIL: ${failures} creates did not answer 201`);
  process.exit(1);
}
