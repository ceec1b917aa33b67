// Scheduling throughput and launch lateness of a real server running 2,000 `@every 1s` jobs on a no-op
// executor, against 2,000 in-process croner timers measured in the same run.
//
//   npx tsc -b tsconfig.build.json && node test/bench/scheduling.bench.mjs        # about 4-5 min
//   BENCH_SECONDS=20 node test/bench/scheduling.bench.mjs                         # shorter
//
// Baseline (first, in this process, before the server starts): one `new Cron('* * * * * *', fn)` per job
// (croner 11), no persistence, for BENCH_SECONDS; lateness = callback time - the slot croner fired it for.
//
// Server: the built CLI `agent --server` (embedded rqlited) with the fixture plugin
// test/fixtures/bench-plugins/noop-executor.mjs (`noopExecutor`, option `stamp`: the executor returns
// the time it was called as its output). 2,000 jobs `@every 1s`, executor `noop`, are created with
// POST /v1/jobs at concurrency 16, all with the same `starts_at` placed after the last create (so that
// creating does not compete with running): the create rate is measured first on 100 `@manually` jobs
// (which never run) and starts_at leaves 1.5 times the time it predicts. The measured window starts 3 s after the jobs start and lasts
// BENCH_SECONDS. Afterwards the bench waits until the window's last slot has started on three probe jobs
// (at most BENCH_SETTLE_SECONDS, default 60), then reads every job's executions
// (GET /v1/jobs/<name>/executions) and, for the slots in the window, computes:
// - launches/s: executions whose started_at falls in the window / window seconds, whatever their slot
//   (the sustained launch rate; the demand is jobs per second);
// - lateness = started_at - scheduled_at (p50/p90/p99/max), and of the executor call itself
//   (stamp - scheduled_at);
// - missed slots: per job, 1 s slots between its first and last scheduled_at in the window that have
//   no execution; duplicated slots: a second execution with the same scheduled_at for a job;
// - window coverage: executions found / (jobs x window seconds);
// - max VmRSS of the agent and of rqlited, sampled every second, and their CPU use in the window.
// `max-executions-per-job` is raised to BENCH_SECONDS + 300 so that no slot of the window is trimmed
// before it is read (in a 60 s window no job reaches the default 100 either, so this changes no work).
//
// Executions still `running` when read (their completion not yet stored) count as run.
// Exits 1 when a slot is missed or duplicated, an execution failed, or less than 99% of the window's
// slots ran by the time they are read. The lateness goal (p99 <= 50 ms and <= 3x the baseline's p99)
// is reported, not enforced.
//
// Env: BENCH_SECONDS (default 60), BENCH_JOBS (default 2000), BENCH_SETTLE_SECONDS (default 60).
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import {
  cpuSecondsOf,
  envInt,
  loadNote,
  mapLimit,
  mb,
  ms,
  sampleRss,
  sleep,
  startServer,
  summarize,
} from './lib/harness.mjs';
import { jobClient, measureCreateRate } from './lib/jobs.mjs';
import { slotChecks } from './lib/slots.mjs';

const SECONDS = envInt('BENCH_SECONDS', 60);
const JOBS = envInt('BENCH_JOBS', 2000);
const WARMUP_MS = 3000;
const SETTLE_MAX_MS = envInt('BENCH_SETTLE_SECONDS', 60) * 1000;
const PROBE_JOBS = 100; // `@manually` jobs created first to measure the create rate
const CREATE_MARGIN = 1.5; // starts_at leaves this many times the estimated create time
const GOAL_P99_MS = 50;
const GOAL_RATIO = 3;
const MIN_COVERAGE = 0.99;
const PLUGIN = fileURLToPath(new URL('../fixtures/bench-plugins/noop-executor.mjs', import.meta.url));

console.log(
  `scheduling benchmark: ${JOBS} jobs every 1 s for ${SECONDS} s (node ${process.version}); machine: ${loadNote()}`,
);

// ---- baseline: croner timers in this process -------------------------------------------------

async function baseline() {
  const lateness = [];
  const slotsByTimer = Array.from({ length: JOBS }, () => []);
  const loadBefore = loadNote();
  // croner passes the target of a firing only to its private _checkTrigger(target); remember it on the
  // instance so the callback knows its slot without computing anything (nextRun() would load the loop).
  const proto = Cron.prototype;
  const original = proto._checkTrigger;
  if (typeof original !== 'function') throw new Error('croner: no _checkTrigger to hook (croner changed?)');
  proto._checkTrigger = function (target) {
    this.benchDue = target.getTime();
    return original.call(this, target);
  };
  // Start 0.5 s before a whole second so every timer is armed well before its first slot.
  await sleep(1500 - (Date.now() % 1000));
  const windowStart = Math.ceil(Date.now() / 1000) * 1000;
  const windowEnd = windowStart + SECONDS * 1000;
  const timers = [];
  for (let i = 0; i < JOBS; i++) {
    const slots = slotsByTimer[i];
    const timer = new Cron('* * * * * *', (self) => {
      const now = Date.now();
      const due = self.benchDue;
      if (due >= windowStart && due < windowEnd) {
        lateness.push(now - due);
        slots.push(due);
      }
    });
    timers.push(timer);
  }
  await sleep(windowEnd + 1500 - Date.now());
  for (const t of timers) t.stop();
  proto._checkTrigger = original;
  const { missed, duplicated } = slotChecks(slotsByTimer);
  const found = slotsByTimer.reduce((n, s) => n + s.length, 0);
  return {
    lateness: summarize(lateness),
    missed,
    duplicated,
    found,
    load: `${loadBefore} before, ${loadNote()} after`,
  };
}

const base = await baseline();
console.log(
  `baseline croner: ${base.found} callbacks, lateness p50 ${ms(base.lateness.p50)} p99 ${ms(base.lateness.p99)} max ${ms(base.lateness.max)}, missed ${base.missed}, duplicated ${base.duplicated}`,
);

// ---- the server --------------------------------------------------------------------------

const server = await startServer({
  config: {
    plugins: [{ name: PLUGIN, factory: 'noopExecutor', options: { stamp: true } }],
    'max-executions-per-job': SECONDS + 300,
  },
});
const rqlited = await server.rqlitedPid();
if (rqlited === undefined)
  console.warn('warning: no rqlited found in the agent process group; its RSS is not sampled');
const rssAll = sampleRss({ agent: server.pid, rqlited });
const client = jobClient(server.baseUrl);
let failed = false;

try {
  const names = Array.from({ length: JOBS }, (_, i) => `sched-${String(i).padStart(4, '0')}`);
  // Every job starts at the same whole second, after the creates are done, so that creating them does
  // not compete with running them (creating 2,000 jobs while they run takes minutes on a loaded box).
  // The create rate depends on the build and the machine's load, so it is measured first, on
  // `@manually` jobs that never run, and starts_at leaves CREATE_MARGIN times the estimate.
  const fields = { executor: 'noop', executor_config: {} };
  const perJobMs = await measureCreateRate(client, { prefix: 'probe', count: PROBE_JOBS, fields });
  const startsAt = Math.ceil((Date.now() + 5_000 + JOBS * perJobMs * CREATE_MARGIN) / 1000) * 1000;
  console.log(`create rate measured on ${PROBE_JOBS} @manually jobs: ${(1000 / perJobMs).toFixed(0)} jobs/s`);
  const createStart = performance.now();
  await mapLimit(names, 16, (name) =>
    client.create({ name, ...fields, schedule: '@every 1s', starts_at: new Date(startsAt).toISOString() }),
  );
  if (client.createErrors > 0) throw new Error(`${client.createErrors} jobs could not be created`);
  const createMs = performance.now() - createStart;
  console.log(
    `created ${JOBS} jobs in ${(createMs / 1000).toFixed(1)} s (${((JOBS / createMs) * 1000).toFixed(0)} jobs/s, concurrency 16); they start at ${new Date(startsAt).toISOString()}${Date.now() > startsAt ? ' (before the last create)' : ''}`,
  );

  const windowStart = Math.ceil((Math.max(Date.now(), startsAt) + WARMUP_MS) / 1000) * 1000;
  const windowEnd = windowStart + SECONDS * 1000;
  await sleep(windowStart - Date.now());
  const rssWindow = sampleRss({ agent: server.pid, rqlited });
  const cpu0 = await Promise.all([cpuSecondsOf(server.pid), cpuSecondsOf(rqlited)]);
  const loadBefore = loadNote();
  await sleep(windowEnd - Date.now());
  const cpu1 = await Promise.all([cpuSecondsOf(server.pid), cpuSecondsOf(rqlited)]);
  const loadAfter = loadNote();
  const windowRss = await rssWindow.stop();

  // Wait until the window's last slot has started for a few probe jobs (a backlog delays it), at most
  // SETTLE_MAX_MS; executions that start later are not in the figures (coverage < 100%).
  const probes = [names[0], names[Math.floor(JOBS / 2)], names[JOBS - 1]];
  const lastSlot = windowEnd - 1000;
  const settleStart = Date.now();
  let settled = false;
  while (Date.now() - settleStart < SETTLE_MAX_MS) {
    const latest = await Promise.all(
      probes.map(async (name) => {
        const e = await client.latest(name);
        return e?.scheduled_at ? Date.parse(e.scheduled_at) : 0;
      }),
    );
    if (latest.every((t) => t >= lastSlot)) {
      settled = true;
      break;
    }
    await sleep(500);
  }
  const settleMs = Date.now() - settleStart;
  console.log(
    settled
      ? `the window's last slot had started on the probe jobs ${(settleMs / 1000).toFixed(1)} s after the window`
      : `the window's last slot had not started on every probe job ${(SETTLE_MAX_MS / 1000).toFixed(0)} s after the window (launch backlog)`,
  );
  await sleep(1000);

  // ---- collect ----
  const collectStart = performance.now();
  const started = [];
  const called = [];
  const slotsByJob = [];
  let found = 0;
  let notSuccess = 0;
  let startedInWindow = 0;
  let calledInWindow = 0;
  /** Latest execute() call per slot: shows whether the tail is spread out or a few bad seconds. */
  const worstBySlot = new Map();
  const statusCounts = new Map();
  await mapLimit(names, 8, async (name, j) => {
    const slots = [];
    for (const e of await client.executions(name)) {
      const startedAt = Date.parse(e.started_at);
      if (startedAt >= windowStart && startedAt < windowEnd) startedInWindow++;
      const calledAt = Number(e.output);
      if (calledAt >= windowStart && calledAt < windowEnd) calledInWindow++;
      const slot = e.scheduled_at === null ? Number.NaN : Date.parse(e.scheduled_at);
      if (!(slot >= windowStart && slot < windowEnd)) continue;
      found++;
      slots.push(slot);
      started.push(Date.parse(e.started_at) - slot);
      const stamp = Number(e.output);
      if (e.status === 'success' && Number.isFinite(stamp) && stamp > 0) {
        called.push(stamp - slot);
        const worst = worstBySlot.get(slot) ?? 0;
        if (stamp - slot > worst) worstBySlot.set(slot, stamp - slot);
      }
      statusCounts.set(e.status, (statusCounts.get(e.status) ?? 0) + 1);
      if (e.status !== 'success' && e.status !== 'running') notSuccess++;
    }
    slotsByJob[j] = slots;
  });
  const collectMs = performance.now() - collectStart;

  // Slots the scheduler itself reported as missed (whole run, not only the window).
  const jobs = await client.json(`/v1/jobs?_start=0&_end=${JOBS + PROBE_JOBS + 10}`);
  const reportedMissed = jobs.reduce((n, job) => n + (job.missed_count ?? 0), 0);

  const { max: sampled } = await rssAll.stop();
  const maxAll = {
    agent: Math.max(sampled.agent, windowRss.max.agent),
    rqlited: Math.max(sampled.rqlited, windowRss.max.rqlited),
  };
  const checks = slotChecks(slotsByJob);
  const late = summarize(started);
  const call = summarize(called);
  const expected = JOBS * SECONDS;
  const coverage = found / expected;
  const cpu = (i) => `${(((cpu1[i] - cpu0[i]) / SECONDS) * 100).toFixed(0)}%`;
  const logText = server.logs();
  const errorLines = logText.split('\n').filter((l) => /"level":"(error|warn)"/.test(l));

  console.log(
    `\nwindow ${new Date(windowStart).toISOString()} + ${SECONDS} s; machine: ${loadBefore} at start, ${loadAfter} at end`,
  );
  console.log(
    `read ${found} executions of the window in ${(collectMs / 1000).toFixed(1)} s; statuses: ${JSON.stringify(Object.fromEntries(statusCounts))}`,
  );
  console.table([
    {
      run: 'dkron-core (started_at)',
      'launches/s': (startedInWindow / SECONDS).toFixed(0),
      p50: ms(late.p50),
      p90: ms(late.p90),
      p99: ms(late.p99),
      max: ms(late.max),
      missed: checks.missed,
      duplicated: checks.duplicated,
      coverage: `${(coverage * 100).toFixed(2)}%`,
    },
    {
      run: 'dkron-core (execute() call)',
      'launches/s': (calledInWindow / SECONDS).toFixed(0),
      p50: ms(call.p50),
      p90: ms(call.p90),
      p99: ms(call.p99),
      max: ms(call.max),
      missed: '',
      duplicated: '',
      coverage: '',
    },
    {
      run: 'baseline croner timers',
      'launches/s': (base.found / SECONDS).toFixed(0),
      p50: ms(base.lateness.p50),
      p90: ms(base.lateness.p90),
      p99: ms(base.lateness.p99),
      max: ms(base.lateness.max),
      missed: base.missed,
      duplicated: base.duplicated,
      coverage: `${((base.found / expected) * 100).toFixed(2)}%`,
    },
  ]);
  console.log(`baseline machine: ${base.load}`);
  console.log(
    `server: agent max RSS ${mb(windowRss.max.agent)} in the window (${mb(maxAll.agent)} whole run), rqlited ${mb(windowRss.max.rqlited)} (${mb(maxAll.rqlited)}); CPU in the window: agent ${cpu(0)}, rqlited ${cpu(1)}`,
  );
  console.log(
    `scheduler-reported missed_count (whole run): ${reportedMissed}; agent warn/error log lines: ${errorLines.length}`,
  );
  const messageOf = (line) => {
    try {
      return JSON.parse(line).msg;
    } catch {
      return line.slice(0, 200);
    }
  };
  for (const msg of [...new Set(errorLines.map(messageOf))].slice(0, 5)) console.log(`  log: ${msg}`);
  for (const example of checks.examples) console.log(`  ${example}`);
  const worstSlots = [...worstBySlot].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(
    `latest execute() call per slot, worst 8: ${worstSlots.map(([slot, ms]) => `+${((slot - windowStart) / 1000).toFixed(0)}s ${ms} ms`).join(', ')}`,
  );
  // The goal is about the executor actually starting (scheduled -> execute() call), not about the
  // started_at the server records, which is taken just before.
  const ratio = call.p99 / base.lateness.p99;
  console.log(`p99 lateness (execute() call) ratio dkron-core/croner: ${ratio.toFixed(1)}x`);
  const goalMet = call.p99 <= GOAL_P99_MS && ratio <= GOAL_RATIO;
  console.log(
    `goal p99 <= ${GOAL_P99_MS} ms and <= ${GOAL_RATIO}x baseline p99: ${goalMet ? 'MET' : 'NOT MET'} (${ms(call.p99)}, ${ratio.toFixed(1)}x)`,
  );
  if (checks.missed > 0 || checks.duplicated > 0) {
    console.error(`FAIL: ${checks.missed} missed and ${checks.duplicated} duplicated slots (must be 0)`);
    failed = true;
  }
  if (notSuccess > 0) {
    console.error(`FAIL: ${notSuccess} executions of the window failed`);
    failed = true;
  }
  if (coverage < MIN_COVERAGE) {
    console.error(`FAIL: only ${(coverage * 100).toFixed(2)}% of the window's ${expected} slots ran`);
    failed = true;
  }
} finally {
  await client.close();
  await rssAll.stop();
  await server.stop();
}
process.exit(failed ? 1 : 0);
