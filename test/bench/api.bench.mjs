// HTTP API latency and throughput of a real server holding 10,000 jobs, against a bare node:http
// server measured in the same run with the same client (the client/loopback floor).
//
//   npx tsc -b tsconfig.build.json && node test/bench/api.bench.mjs      # about 1.5-3 min
//
// 1. Starts `dkron-core agent --server` (built CLI, embedded rqlited) and inserts API_JOBS (10,000) shell
//    jobs with POST /v1/jobs at concurrency 16 (a cron schedule that does not fire during the run:
//    `0 0 0 1 1 *`, so the scheduler holds them all but runs nothing).
// 2. Baseline: a node:http server in a child process answering GET with the real first page of 25 jobs
//    (the bytes the server returned) and POST with a fixed 201 job body after reading the request.
// 3. With an undici Pool (10 connections) at concurrency 10, API_SECONDS (10) each, after a 1 s warm-up:
//    GET /v1/jobs?_start=0&_end=25 and POST /v1/jobs (new unique names, valid shell job, cron schedule),
//    first against the baseline, then against the server.
// Prints p50/p90/p99/max and req/s, the ratios to the baseline, CPU use of the agent and rqlited per
// phase, and whether the goals (page p99 <= 25 ms, create p99 <= 50 ms) are met. Exits 1 when a request
// fails (wrong status or body) or the job count is wrong; the latency goals are reported, not enforced
// (absolute figures depend on the machine's load).
import { spawn } from 'node:child_process';
import { Pool } from 'undici';
import {
  cpuSecondsOf,
  envInt,
  killGroup,
  loadLoop,
  loadNote,
  mapLimit,
  mb,
  ms,
  sampleRss,
  startServer,
  summarize,
  trackGroup,
} from './lib/harness.mjs';

const JOBS = envInt('API_JOBS', 10_000);
const SECONDS = envInt('API_SECONDS', 10);
const CONCURRENCY = 10;
const INSERT_CONCURRENCY = 16;
const PAGE_PATH = '/v1/jobs?_start=0&_end=25';
const GOALS = { page: 25, create: 50 };
const SCHEDULE = '0 0 0 1 1 *';
const RUN_ID = Date.now().toString(36);

const jobBody = (name) =>
  JSON.stringify({
    name,
    schedule: SCHEDULE,
    executor: 'shell',
    executor_config: { command: 'echo hello' },
    tags: {},
    metadata: { bench: 'api' },
  });

let problems = 0;
const fail = (message) => {
  problems++;
  console.error(`FAIL: ${message}`);
};

console.log(`API benchmark (node ${process.version}); machine: ${loadNote()}`);
const server = await startServer({ config: {} });
const rqlited = await server.rqlitedPid();
const rss = sampleRss({ agent: server.pid, rqlited });
const pool = new Pool(server.baseUrl, { connections: CONCURRENCY });

try {
  // ---- insert ----
  const names = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(5, '0')}`);
  const insertStart = performance.now();
  const insertStatuses = await mapLimit(names, INSERT_CONCURRENCY, async (name) => {
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path: '/v1/jobs',
      headers: { 'content-type': 'application/json' },
      body: jobBody(name),
    });
    const text = await body.text();
    if (statusCode !== 201 && problems < 5) fail(`insert ${name}: ${statusCode} ${text.slice(0, 200)}`);
    return statusCode;
  });
  const insertMs = performance.now() - insertStart;
  const inserted = insertStatuses.filter((s) => s === 201).length;
  console.log(
    `inserted ${inserted}/${JOBS} jobs with POST /v1/jobs at concurrency ${INSERT_CONCURRENCY} in ${(insertMs / 1000).toFixed(1)} s (${((inserted / insertMs) * 1000).toFixed(0)} jobs/s)`,
  );

  // The real first page, checked, and its bytes for the baseline.
  const first = await pool.request({ method: 'GET', path: PAGE_PATH });
  const pageText = await first.body.text();
  const page = JSON.parse(pageText);
  const total = Number(first.headers['x-total-count']);
  if (first.statusCode !== 200 || !Array.isArray(page) || page.length !== 25) {
    fail(`first page: status ${first.statusCode}, ${Array.isArray(page) ? page.length : typeof page} items`);
  }
  if (page[0]?.name !== 'job-00000') fail(`first page starts with ${page[0]?.name}, expected job-00000`);
  if (Number.isFinite(total) && total !== JOBS) fail(`X-Total-Count ${total}, expected ${JOBS}`);
  console.log(`page of 25 jobs: ${pageText.length} bytes, X-Total-Count ${first.headers['x-total-count']}`);

  // ---- baseline server ----
  const baseline = await startBaseline(pageText, JSON.stringify(page[0]));
  const basePool = new Pool(baseline.url, { connections: CONCURRENCY });

  const pageCheck = (status, text) =>
    status !== 200 ? `GET ${status}` : text.length < 1000 ? `short page (${text.length} bytes)` : undefined;
  const createCheck = (status, text) => (status !== 201 ? `POST ${status} ${text.slice(0, 160)}` : undefined);
  const getPage = (p) => () => p.request({ method: 'GET', path: PAGE_PATH });
  const postJob = (p, prefix) => (seq) =>
    p.request({
      method: 'POST',
      path: '/v1/jobs',
      headers: { 'content-type': 'application/json' },
      body: jobBody(`${prefix}-${RUN_ID}-${seq}`),
    });

  const rows = [];
  const results = {};
  const phase = async (label, target, makeRequest, check, pids) => {
    const cpu0 = await Promise.all(pids.map(cpuSecondsOf));
    const t0 = performance.now();
    const r = await loadLoop({ concurrency: CONCURRENCY, durationMs: SECONDS * 1000, makeRequest, check });
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = await Promise.all(pids.map(cpuSecondsOf));
    const s = summarize(r.latencies);
    if (r.errors.length > 0)
      fail(`${label} ${target}: ${r.errors.length} failed requests, e.g. ${r.errors[0]}`);
    results[`${label} ${target}`] = { ...s, rps: r.rps };
    rows.push({
      request: label,
      server: target,
      requests: s.n,
      'req/s': r.rps.toFixed(0),
      p50: ms(s.p50),
      p90: ms(s.p90),
      p99: ms(s.p99),
      max: ms(s.max),
      errors: r.errors.length,
      'cpu%': pids.map((_, i) => (((cpu1[i] - cpu0[i]) / wall) * 100).toFixed(0)).join('+'),
    });
  };

  const loadBefore = loadNote();
  await phase('GET page', 'baseline', getPage(basePool), pageCheck, [baseline.pid]);
  await phase('POST job', 'baseline', postJob(basePool, 'base'), createCheck, [baseline.pid]);
  await phase('GET page', 'dkron-core', getPage(pool), pageCheck, [server.pid, rqlited]);
  await phase('POST job', 'dkron-core', postJob(pool, 'bench'), createCheck, [server.pid, rqlited]);
  const loadAfter = loadNote();
  await basePool.close();
  await baseline.stop();

  // The created jobs are really there.
  const count = await pool.request({ method: 'GET', path: '/v1/jobs?_start=0&_end=1' });
  await count.body.text();
  const after = Number(count.headers['x-total-count']);
  const created = results['POST job dkron-core'].n;
  // Requests of the warm-up also created jobs: at least the measured ones must be there.
  if (Number.isFinite(after) && after < JOBS + created)
    fail(`${after} jobs after the run, expected >= ${JOBS + created}`);

  const { max } = await rss.stop();
  console.log(
    `\nundici Pool, ${CONCURRENCY} connections, concurrency ${CONCURRENCY}, ${SECONDS} s per row (after 1 s warm-up)`,
  );
  console.log(`machine: ${loadBefore} before, ${loadAfter} after; cpu% column: agent+rqlited (or baseline)`);
  console.table(rows);
  const g = results['GET page dkron-core'];
  const gb = results['GET page baseline'];
  const p = results['POST job dkron-core'];
  const pb = results['POST job baseline'];
  console.log(
    `GET page: p99 ${ms(g.p99)} = ${(g.p99 / gb.p99).toFixed(1)}x baseline p99; req/s ${(g.rps / gb.rps).toFixed(3)}x baseline`,
  );
  console.log(
    `POST job: p99 ${ms(p.p99)} = ${(p.p99 / pb.p99).toFixed(1)}x baseline p99; req/s ${(p.rps / pb.rps).toFixed(3)}x baseline`,
  );
  console.log(`max RSS: agent ${mb(max.agent)}, rqlited ${mb(max.rqlited)}; jobs at the end: ${after}`);
  console.log(`goal page p99 <= ${GOALS.page} ms: ${g.p99 <= GOALS.page ? 'MET' : 'NOT MET'} (${ms(g.p99)})`);
  console.log(
    `goal create p99 <= ${GOALS.create} ms: ${p.p99 <= GOALS.create ? 'MET' : 'NOT MET'} (${ms(p.p99)})`,
  );
} finally {
  await pool.close().catch(() => {});
  await rss.stop();
  await server.stop();
}
if (problems > 0) {
  console.error(`FAIL: ${problems} problems`);
  process.exit(1);
}

/** A node:http server in a child process: GET → the page, POST → reads the body, 201 with a job. */
async function startBaseline(pageJson, jobJson) {
  const source = `
const http = require('node:http');
const page = Buffer.from(process.env.BENCH_PAGE);
const job = Buffer.from(process.env.BENCH_JOB);
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': job.length });
      res.end(job);
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': page.length, 'x-total-count': '${JOBS}' });
  res.end(page);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;
  const child = trackGroup(
    spawn(process.execPath, ['-e', source], {
      env: { ...process.env, BENCH_PAGE: pageJson, BENCH_JOB: jobJson },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    }),
  );
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      killGroup(child.pid);
    },
  };
}
