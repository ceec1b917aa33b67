// The cluster benchmark (issue 10): 3 servers + 2 plain agents on this machine, jobs `@every 5s` on the
// no-op executor, run on the agents (tag `bench=run:1`, so every run is dispatched over gRPC), in
// phases of rising job counts (default 1,000 jobs = 200 launches/s, then 5,000 = 1,000/s), a kill -9 of
// the leader under the first phase's load, and the same phases on a single node as the baseline.
//
//   npx tsc -b tsconfig.build.json && node test/bench/cluster.bench.mjs               # about 40 min
//   BENCH_CLUSTER_JOBS=200,1000 BENCH_CLUSTER_SECONDS=30 node test/bench/cluster.bench.mjs   # a smoke run
//
// Topologies (test/bench/lib/cluster-topology.mjs): `rqlite-url` (BENCH_TOPOLOGY, the default): 3 rqlited
// in one Raft group, 3 servers sharing it with `--rqlite-url` and `--bootstrap-expect 3`, 2 plain agents
// joining the servers over gRPC; `single` (the baseline): one server on its embedded rqlited carrying the
// tag itself. Every node loads test/fixtures/bench-plugins/noop-executor.mjs, which appends each run
// (job, scheduled time, call time, node, execution id) to that node's ledger: the ground truth.
//
// Per phase: the jobs are created through the API (the create rate measured first on @manually jobs, and
// one `starts_at` after the predicted end of the creates); the window starts two intervals after they
// start and lasts BENCH_CLUSTER_SECONDS. After it (and once the window's last slot ran, at most
// BENCH_SETTLE_SECONDS) the ledgers and every job's executions in the store are read. Reported per phase:
// launches/s (ledger runs called in the window), lateness (ledger: execute() call - slot; store:
// started_at - slot) p50/p90/p99/max, missed slots (every slot of each job's phase in the window that has
// no run), duplicated slots (a (job, slot) run twice), both from the ledger and from the store, the runs
// the ledger has and the store does not (and back), the nodes that ran them, and VmRSS and CPU of every
// process over the window (with the growth from its first to its last quarter).
// Failover (cluster, after the first phase, its jobs still running): kill -9 of the leader; reported: the
// time until the servers agree on a new leader, until the first run of a slot after the kill (launches
// resumed), launches per second around the kill, missed and duplicated slots from 15 s before to 30 s
// after it. The killed server is then started again (it follows).
//
// Exits 1 when a steady window has a missed or duplicated slot or a failed execution, a run is in a
// ledger and not in the store, a cluster server ran a job, or the failover duplicated a slot. The goals
// (p99 <= 100 ms in the first phase, <= 500 ms in the others; failover <= 5 s; flat memory) are reported.
//
// Env: BENCH_CLUSTER_JOBS (job totals per phase, default 1000,5000), BENCH_CLUSTER_SECONDS (window per
// phase, default 300), BENCH_TOPOLOGY (rqlite-url), BENCH_CLUSTER_FAILOVER (1; 0 skips it),
// BENCH_CLUSTER_BASELINE (1; 0 skips the single-node run), BENCH_SETTLE_SECONDS (60).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_TAG, startTopology } from './lib/cluster-topology.mjs';
import { envInt, loadNote, mapLimit, mb, ms, sampleProcesses, sleep, summarize } from './lib/harness.mjs';
import { jobClient, measureCreateRate } from './lib/jobs.mjs';
import { readLedger } from './lib/ledger.mjs';
import { slotChecks } from './lib/slots.mjs';

const PHASES = envList('BENCH_CLUSTER_JOBS', [1000, 5000]);
const SECONDS = envInt('BENCH_CLUSTER_SECONDS', 300);
const TOPOLOGY = process.env.BENCH_TOPOLOGY || 'rqlite-url';
const FAILOVER = envFlag('BENCH_CLUSTER_FAILOVER', true);
const BASELINE = envFlag('BENCH_CLUSTER_BASELINE', true);
const SETTLE_MAX_MS = envInt('BENCH_SETTLE_SECONDS', 60) * 1000;
const INTERVAL_MS = 5000;
const WARMUP_MS = 2 * INTERVAL_MS;
const GOAL_P99_MS = [100, 500]; // per phase; later phases use the last
const GOAL_FAILOVER_MS = 5000;
const FAILOVER_BEFORE_MS = 15_000;
const FAILOVER_AFTER_MS = 30_000;
const FLAT_GROWTH = 0.1; // memory counts as flat when its last quarter is within 10% (or 16 MB) of its first
// Slots per job over a whole run (every phase's creates, window and settling, the failover), with margin.
const MAX_EXECUTIONS = Math.ceil((PHASES.length * (SECONDS + 400) + 120) / (INTERVAL_MS / 1000)) + 100;

function envList(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0) || values.some((v, i) => i > 0 && v < values[i - 1]))
    throw new Error(`${name} must list rising positive job counts (e.g. 1000,5000), got ${raw}`);
  return values;
}

function envFlag(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new Error(`${name} must be 0 or 1, got ${raw}`);
  return raw === '1';
}

const jobName = (i) => `job-${String(i).padStart(5, '0')}`;
const problems = [];
const summary = [];

console.log(
  `cluster benchmark: phases ${PHASES.join(', ')} jobs @every ${INTERVAL_MS / 1000}s, ${SECONDS} s windows, topology ${TOPOLOGY}${FAILOVER ? ' with a leader kill' : ''}${BASELINE ? ', then single node' : ''} (node ${process.version}); machine: ${loadNote()}`,
);

// ---- one topology's run --------------------------------------------------------------------

async function runTopology(kind, { failover }) {
  const dir = await mkdtemp(join(tmpdir(), `dkron-bench-cluster-${kind}-`));
  const topology = await startTopology(kind, { dir, maxExecutions: MAX_EXECUTIONS });
  const sampler = sampleProcesses(topology.processes);
  console.log(
    `\n== ${kind}: ${Object.keys(topology.processes()).join(', ')} up; leader ${(await topology.leader()).nodeName}`,
  );
  const client = jobClient((await topology.leader()).baseUrl);
  try {
    let created = 0;
    for (const [index, total] of PHASES.entries()) {
      const phase = await runPhase({ kind, index, total, created, topology, client, sampler });
      created = total;
      if (index === 0 && failover) await runFailover({ topology, client, jobs: phase.names });
    }
  } finally {
    sampler.stop();
    await client.close();
    await topology.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function runPhase({ kind, index, total, created, topology, client, sampler }) {
  const label = `${kind} phase ${index + 1}: ${total} jobs (${((total * 1000) / INTERVAL_MS).toFixed(0)} launches/s)`;
  const perJobMs = await measureCreateRate(client, {
    prefix: `probe-${index}`,
    count: 50,
    fields: { executor: 'noop', executor_config: {} },
  });
  const fresh = Array.from({ length: total - created }, (_, i) => jobName(created + i));
  const startsAt = Math.ceil((Date.now() + 5000 + fresh.length * perJobMs * 1.5) / 1000) * 1000;
  const createStart = performance.now();
  await mapLimit(fresh, 16, (name) =>
    client.create({
      name,
      schedule: `@every ${INTERVAL_MS / 1000}s`,
      executor: 'noop',
      executor_config: {},
      tags: { [RUN_TAG.key]: `${RUN_TAG.value}:1` },
      starts_at: new Date(startsAt).toISOString(),
    }),
  );
  if (client.createErrors > 0) throw new Error(`${client.createErrors} jobs could not be created`);
  const createS = (performance.now() - createStart) / 1000;
  console.log(
    `\n-- ${label}: created ${fresh.length} in ${createS.toFixed(1)} s (${(fresh.length / createS).toFixed(0)}/s); they start at ${new Date(startsAt).toISOString()}${Date.now() > startsAt ? ' (before the last create)' : ''}`,
  );
  const from = Math.ceil((Math.max(Date.now(), startsAt) + WARMUP_MS) / 1000) * 1000;
  const to = from + SECONDS * 1000;
  await sleep(from - Date.now());
  const loadAtStart = loadNote();
  await sleep(to - Date.now());
  const loadAtEnd = loadNote();
  const names = Array.from({ length: total }, (_, i) => jobName(i));
  const runs = await settledLedger(topology, total, to);
  const agents = new Set(topology.agents.map((a) => a.nodeName));
  const result = await analyze({ runs, client, names, from, to, agents });
  const goal = GOAL_P99_MS[Math.min(index, GOAL_P99_MS.length - 1)];
  console.log(
    `window ${new Date(from).toISOString()} + ${SECONDS} s; machine: ${loadAtStart} at start, ${loadAtEnd} at end`,
  );
  printResult(result, goal);
  printLeadership(topology.servers, from - WARMUP_MS, to);
  const memory = printProcesses(sampler.between(from, to), from, to);
  summary.push({
    run: `${kind} ${total} jobs`,
    'launches/s': result.rate.toFixed(0),
    'p50 (call)': ms(result.called.p50, 0),
    'p99 (call)': ms(result.called.p99, 0),
    'p99 goal': `${goal} ms ${result.called.p99 <= goal ? 'met' : 'NOT met'}`,
    'missed/dup (ledger)': `${result.ledger.missed}/${result.ledger.duplicated}`,
    'missed/dup (store)': `${result.store.missed}/${result.store.duplicated}`,
    'RSS max (MB)': memory.maxTotal,
    'memory flat': memory.flat ? 'yes' : `no (${memory.grew.join(', ')})`,
  });
  const fail = (text) => problems.push(`${label}: ${text}`);
  if (result.ledger.missed + result.ledger.duplicated + result.store.missed + result.store.duplicated > 0)
    fail('missed or duplicated slots');
  if (result.failed > 0) fail(`${result.failed} executions did not succeed`);
  if (result.unrecorded > 0) fail(`${result.unrecorded} runs in the ledgers are not in the store`);
  if (result.onServers > 0 && kind !== 'single')
    fail(`${result.onServers} runs on servers (tags not honoured)`);
  return { names };
}

/** The ledgers once every job's last slot before `to` ran (at most SETTLE_MAX_MS), then 2 s for reports. */
async function settledLedger(topology, jobs, to) {
  const deadline = Date.now() + SETTLE_MAX_MS;
  await sleep(Math.max(0, to + 1000 - Date.now()));
  for (;;) {
    const runs = await readLedger(topology.ledgers);
    const last = new Set(runs.filter((r) => r.slot >= to - INTERVAL_MS && r.slot < to).map((r) => r.job));
    if (last.size >= jobs || Date.now() > deadline) {
      if (last.size < jobs)
        console.log(`after ${SETTLE_MAX_MS / 1000} s only ${last.size}/${jobs} jobs ran their last slot`);
      await sleep(2000);
      return readLedger(topology.ledgers);
    }
    await sleep(1000);
  }
}

/** Figures of the slots in [from, to) from the ledgers and from the store. */
async function analyze({ runs, client, names, from, to, agents }) {
  const inWindow = runs.filter((r) => r.slot >= from && r.slot < to);
  const ledgerSlots = new Map();
  for (const r of inWindow) (ledgerSlots.get(r.job) ?? ledgerSlots.set(r.job, []).get(r.job)).push(r.slot);
  const storeSlots = new Map();
  const started = [];
  const statuses = new Map();
  const recorded = new Set();
  const reasons = new Map();
  let failed = 0;
  const readStart = performance.now();
  await mapLimit(names, 8, async (name) => {
    const slots = [];
    for (const e of await client.executions(name)) {
      const slot = e.scheduled_at ? Date.parse(e.scheduled_at) : Number.NaN;
      if (!(slot >= from && slot < to)) continue;
      slots.push(slot);
      started.push(Date.parse(e.started_at) - slot);
      statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
      if (e.status !== 'success' && e.status !== 'running') {
        failed++;
        const text = String(e.output).trim().replaceAll(name, '<job>').slice(0, 160);
        const reason = `${e.status} on ${e.node_name}: ${text}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      recorded.add(`${name}@${slot}`);
    }
    storeSlots.set(name, slots);
  });
  const readS = (performance.now() - readStart) / 1000;
  const byNode = new Map();
  for (const r of inWindow) byNode.set(r.node, (byNode.get(r.node) ?? 0) + 1);
  const ran = new Set(inWindow.map((r) => `${r.job}@${r.slot}`));
  const window = { intervalMs: INTERVAL_MS, from, to, jobs: names };
  // Demand: jobs per second of the interval (their @every phase), i.e. how bursty the load is.
  const perPhase = new Map();
  for (const [, slots] of ledgerSlots) {
    const second = Math.floor((slots[0] % INTERVAL_MS) / 1000);
    perPhase.set(second, (perPhase.get(second) ?? 0) + 1);
  }
  return {
    rate: runs.filter((r) => r.calledAt >= from && r.calledAt < to).length / ((to - from) / 1000),
    called: summarize(inWindow.map((r) => r.calledAt - r.slot)),
    started: summarize(started),
    ledger: slotChecks(ledgerSlots, window),
    store: slotChecks(storeSlots, window),
    unrecorded: [...ran].filter((k) => !recorded.has(k)).length,
    unran: [...recorded].filter((k) => !ran.has(k)).length,
    statuses: Object.fromEntries(statuses),
    failed,
    reasons: [...reasons].slice(0, 5).map(([reason, n]) => `${n}x ${reason}`),
    byNode: Object.fromEntries(byNode),
    // Runs on a node that is not a plain agent (meaningful where there are agents).
    onServers: inWindow.filter((r) => !agents.has(r.node)).length,
    perPhase: [...perPhase]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `+${s}s ${n}`)
      .join(', '),
    readS,
  };
}

function printResult(r, goal) {
  console.log(`jobs per second of the interval (@every phase): ${r.perPhase}`);
  console.log(
    `read the store in ${r.readS.toFixed(1)} s; statuses ${JSON.stringify(r.statuses)}; runs per node ${JSON.stringify(r.byNode)}`,
  );
  const row = (name, s, checks) => ({
    figure: name,
    p50: ms(s.p50, 1),
    p90: ms(s.p90, 1),
    p99: ms(s.p99, 1),
    max: ms(s.max, 0),
    expected: checks?.expected ?? '',
    missed: checks?.missed ?? '',
    duplicated: checks?.duplicated ?? '',
    'off phase': checks?.offPhase ?? '',
  });
  console.table([
    row('ledger: execute() call - slot', r.called, r.ledger),
    row('store: started_at - slot', r.started, r.store),
  ]);
  console.log(
    `launches/s ${r.rate.toFixed(1)}; runs in a ledger but not in the store ${r.unrecorded}, in the store but in no ledger ${r.unran}${goal === undefined ? '' : `; p99 goal ${goal} ms: ${r.called.p99 <= goal ? 'MET' : 'NOT MET'}`}`,
  );
  for (const e of [...r.ledger.examples, ...r.store.examples].slice(0, 6)) console.log(`  ${e}`);
  for (const reason of r.reasons) console.log(`  not successful: ${reason}`);
}

/** RSS over the window per process (10 points), CPU, and whether memory stayed flat. */
function printProcesses(samples, from, to) {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.rss)))];
  const rows = {};
  const grew = [];
  let maxTotal = 0;
  for (const s of samples)
    maxTotal = Math.max(
      maxTotal,
      Object.values(s.rss).reduce((a, b) => a + b, 0),
    );
  for (const name of names) {
    const mine = samples.filter((s) => s.rss[name] !== undefined);
    if (mine.length < 4) continue;
    const row = {};
    for (let k = 0; k <= 9; k++) {
      const s = mine[Math.round((k * (mine.length - 1)) / 9)];
      row[`+${((s.t - from) / 1000).toFixed(0)}s`] = Math.round(s.rss[name] / 1048576);
    }
    const quarter = Math.max(1, Math.floor(mine.length / 4));
    const mean = (xs) => xs.reduce((a, s) => a + s.rss[name], 0) / xs.length;
    const first = mean(mine.slice(0, quarter));
    const last = mean(mine.slice(-quarter));
    const cpu = (mine.at(-1).cpu[name] - mine[0].cpu[name]) / ((mine.at(-1).t - mine[0].t) / 1000);
    row.max = Math.round(Math.max(...mine.map((s) => s.rss[name])) / 1048576);
    row.growth = `${((last - first) / 1048576).toFixed(0)} MB`;
    row.CPU = `${(cpu * 100).toFixed(0)}%`;
    rows[name] = row;
    if (last - first > Math.max(FLAT_GROWTH * first, 16 * 1048576)) grew.push(`${name} +${mb(last - first)}`);
  }
  console.log(
    `VmRSS (MB) over the window, growth = last quarter's mean - first quarter's, CPU in % of one core:`,
  );
  console.table(rows);
  void to;
  return { maxTotal: Math.round(maxTotal / 1048576), flat: grew.length === 0, grew };
}

// ---- failover -----------------------------------------------------------------------------

async function runFailover({ topology, client, jobs }) {
  const { leader, killedAt } = await topology.killLeader();
  const successor = await topology.leader();
  const electedMs = Date.now() - killedAt;
  client.use(successor.baseUrl);
  console.log(
    `\n-- failover: kill -9 of ${leader.nodeName}; ${successor.nodeName} leads after ${electedMs} ms`,
  );
  const from = killedAt - FAILOVER_BEFORE_MS;
  const to = killedAt + FAILOVER_AFTER_MS;
  const runs = await settledLedger(topology, jobs.length, to);
  const agents = new Set(topology.agents.map((a) => a.nodeName));
  const result = await analyze({ runs, client, names: jobs, from, to, agents });
  // Launches resumed: the first run of a slot after the kill (no dead leader can have launched it).
  const after = runs.filter((r) => r.slot > killedAt).sort((a, b) => a.calledAt - b.calledAt)[0];
  const resumedMs = after ? after.calledAt - killedAt : Number.NaN;
  const perSecond = [];
  for (let s = -3; s < 12; s++) {
    const n = runs.filter(
      (r) => r.calledAt >= killedAt + s * 1000 && r.calledAt < killedAt + (s + 1) * 1000,
    ).length;
    perSecond.push(`${s >= 0 ? '+' : ''}${s}s ${n}`);
  }
  const late = summarize(
    runs.filter((r) => r.slot > killedAt && r.slot < killedAt + 10_000).map((r) => r.calledAt - r.slot),
  );
  console.log(`runs started per second around the kill: ${perSecond.join(', ')}`);
  console.log(
    `launches resumed ${ms(resumedMs, 0)} after the kill (goal <= ${GOAL_FAILOVER_MS} ms: ${resumedMs <= GOAL_FAILOVER_MS ? 'MET' : 'NOT MET'}); lateness of the slots in the 10 s after it p50 ${ms(late.p50, 0)} p99 ${ms(late.p99, 0)} max ${ms(late.max, 0)}`,
  );
  printResult(result);
  console.log(
    `every slot around the kill ran once: ${result.ledger.missed + result.ledger.duplicated === 0 ? 'MET' : `NOT MET (${result.ledger.missed} missed, ${result.ledger.duplicated} duplicated; not run: ${JSON.stringify(result.statuses)})`}`,
  );
  printNodeLogs([...topology.agents, successor], killedAt, killedAt + 15_000);
  summary.push({
    run: `failover (${jobs.length} jobs)`,
    'launches/s': '',
    'p50 (call)': `elected ${electedMs} ms`,
    'p99 (call)': `resumed ${ms(resumedMs, 0)}`,
    'p99 goal': `${GOAL_FAILOVER_MS} ms ${resumedMs <= GOAL_FAILOVER_MS ? 'met' : 'NOT met'}`,
    'missed/dup (ledger)': `${result.ledger.missed}/${result.ledger.duplicated}`,
    'missed/dup (store)': `${result.store.missed}/${result.store.duplicated}`,
    'RSS max (MB)': '',
    'memory flat': '',
  });
  if (result.ledger.duplicated + result.store.duplicated > 0) problems.push('failover: duplicated slots');
  if (result.unrecorded > 0)
    problems.push(`failover: ${result.unrecorded} runs in the ledgers are not in the store`);
  if (result.onServers > 0) problems.push(`failover: ${result.onServers} runs on servers`);
  const back = await topology.restart(leader.nodeName);
  const now = await topology.leader();
  console.log(`${back.nodeName} restarted; leader ${now.nodeName}`);
  client.use(now.baseUrl);
}

/** The warnings, errors and (re)connections the nodes logged in [from, to), a few per node. */
function printNodeLogs(nodes, from, to) {
  for (const node of nodes) {
    const lines = [];
    for (const line of node.logs().split('\n')) {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      const at = Date.parse(entry.time);
      if (!(at >= from && at < to)) continue;
      if (entry.level !== 'warn' && entry.level !== 'error' && !/connected|leading/.test(entry.msg)) continue;
      const { level, msg, time, node: _n, ...rest } = entry;
      lines.push(`+${at - from} ms ${level} ${msg} ${JSON.stringify(rest).slice(0, 300)}`);
    }
    console.log(`${node.nodeName} log after the kill (${lines.length} lines):`);
    for (const l of lines.slice(0, 8)) console.log(`  ${l}`);
  }
}

/** Leadership changes the servers logged in [from, to): a stable cluster has none. */
function printLeadership(servers, from, to) {
  const changes = [];
  for (const server of servers) {
    for (const line of server.logs().split('\n')) {
      if (!/leading the cluster|stepping down as leader|could not renew the leader lease/.test(line))
        continue;
      try {
        const entry = JSON.parse(line);
        const at = Date.parse(entry.time);
        if (at >= from && at < to)
          changes.push(
            `${server.nodeName} +${((at - from) / 1000).toFixed(1)}s ${entry.msg} ${entry.why ?? entry.err ?? ''}`,
          );
      } catch {
        // Not a JSON log line.
      }
    }
  }
  console.log(`leadership changes from the warm-up to the window's end: ${changes.length}`);
  for (const c of changes.slice(0, 10)) console.log(`  ${c}`);
}

// ---- main ---------------------------------------------------------------------------------

try {
  // `single` alone is the baseline run by itself (it has no leader to kill).
  await runTopology(TOPOLOGY, { failover: FAILOVER && TOPOLOGY !== 'single' });
  if (BASELINE && TOPOLOGY !== 'single') await runTopology('single', { failover: false });
} catch (err) {
  problems.push(`aborted: ${err.stack ?? err}`);
}
console.log(`\n== summary (${loadNote()})`);
console.table(summary);
for (const p of problems) console.error(`FAIL: ${p}`);
process.exit(problems.length > 0 ? 1 : 0);
