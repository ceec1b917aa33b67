// Shared pieces of the benchmarks: a real dkron-core server on loopback, /proc sampling, percentiles,
// an undici load loop and process cleanup. Plain ESM on the built packages (run `tsc -b` first).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const DKRON_CORE_BIN = join(REPO, 'apps/dkron-core/bin/dkron-core.js');

// ---- cleanup -------------------------------------------------------------------------------

/** Process groups started here; killed on exit, on SIGINT/SIGTERM and on an uncaught error. */
const groups = new Set();
const tempDirs = new Set();

function killAll() {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  groups.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Registers a child started `detached` (its own process group) for cleanup. */
export function trackGroup(child) {
  // The group stays registered after the leader exits: it may still hold children (rqlited).
  if (child.pid !== undefined) groups.add(child.pid);
  return child;
}

/** Kills a tracked group now. */
export function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
  groups.delete(pid);
}

// ---- ports and servers -----------------------------------------------------------------------

const givenPorts = new Set();

/** A TCP port free on 127.0.0.1 now, never one returned before in this process. */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port !== 0 && !givenPorts.has(port)) {
      givenPorts.add(port);
      return port;
    }
  }
  throw new Error('freePort: no new free port after 50 attempts');
}

/**
 * Starts the built CLI as `agent --server` on loopback with free ports, a temporary data directory
 * and `config` written as the JSON config file; resolves when `GET /health` answers 200. `bin` is the
 * CLI entry to run (default: this checkout's), e.g. another build's to compare two commits in one run.
 * With BENCH_CPU_PROF=<dir> in the environment the agent runs with `node --cpu-prof` into that
 * directory; the profile is written when stop() lets it exit (stop() then waits up to 5 minutes).
 * `server: false` starts a plain agent (`agent` without `--server`: no store, so no rqlite ports; its
 * `/health` answers 200 once it is connected to a server, so pass `--join` in `args`). `nodeName`
 * defaults to `bench-<http port>`.
 */
export async function startServer({
  config = {},
  args = [],
  healthTimeoutMs = 60_000,
  bin = DKRON_CORE_BIN,
  server = true,
  nodeName,
} = {}) {
  const [http, rpc, rqliteHttp, rqliteRaft] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'dkron-bench-'));
  tempDirs.add(dir);
  const configPath = join(dir, 'dkron.json');
  await writeFile(configPath, JSON.stringify(config));
  const profileDir = process.env.BENCH_CPU_PROF;
  const argv = [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    // BENCH_NODE_FLAGS: extra Node flags for the agent only, e.g. "--trace-gc" (not allowed in NODE_OPTIONS).
    ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) : []),
    bin,
    'agent',
    ...(server ? ['--server'] : []),
    '--config',
    configPath,
    '--node-name',
    nodeName ?? `bench-${http}`,
    '--http-addr',
    `127.0.0.1:${http}`,
    ...(server
      ? [
          '--rpc-port',
          String(rpc),
          '--rqlite-http-port',
          String(rqliteHttp),
          '--rqlite-raft-port',
          String(rqliteRaft),
        ]
      : []),
    '--data-dir',
    join(dir, 'data'),
    ...args,
  ];
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('DKRON_')) env[key] = value;
  }
  Object.assign(env, { HOME: dir, NO_COLOR: '1' });
  const proc = trackGroup(
    spawn(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
  );
  let output = '';
  let lines = 0;
  const collect = (chunk) => {
    const text = chunk.toString('utf8');
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
    output += text;
    // Only the tail is kept, unless BENCH_AGENT_LOG asks for the whole output.
    if (!process.env.BENCH_AGENT_LOG && output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${http}`;

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const grace = profileDir ? 300_000 : 20_000;
    let timer;
    const timeout = new Promise((r) => {
      timer = setTimeout(() => r('timeout'), grace);
    });
    const result = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    killGroup(proc.pid);
    await exited;
    // BENCH_AGENT_LOG=<file> keeps the agent's output (e.g. with NODE_OPTIONS=--trace-gc) for diagnosis.
    if (process.env.BENCH_AGENT_LOG) {
      await writeFile(process.env.BENCH_AGENT_LOG, output);
      // And the embedded rqlited's own log (snapshots, slow applies), next to it.
      await copyFile(join(dir, 'data', 'rqlited.log'), `${process.env.BENCH_AGENT_LOG}.rqlited`).catch(
        () => {},
      );
    }
    await rm(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
    return result;
  };

  const deadline = Date.now() + healthTimeoutMs;
  let last = 'no answer yet';
  let exit;
  void exited.then((e) => {
    exit = e;
  });
  for (;;) {
    if (exit) {
      await stop();
      throw new Error(`agent exited before it was healthy (${JSON.stringify(exit)})\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`agent not healthy within ${healthTimeoutMs} ms (last: ${last})\n${output}`);
    }
    await sleep(100);
  }

  return {
    baseUrl,
    nodeName: nodeName ?? `bench-${http}`,
    pid: proc.pid,
    proc,
    /** SIGKILLs the process group now (a crash: no shutdown, no lease given up); resolves on the exit. */
    async kill9() {
      killGroup(proc.pid);
      await exited;
      await rm(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
    ports: { http, rpc, rqliteHttp, rqliteRaft },
    logs: () => output,
    logLines: () => lines,
    /**
     * Pid of the embedded rqlited: a process named rqlited in the agent's group or, since the agent starts
     * it in a process group of its own, a child of the agent.
     */
    rqlitedPid: async () => (await findInGroup(proc.pid, 'rqlited')) ?? findChild(proc.pid, 'rqlited'),
    stop,
  };
}

/** The first process of group `pgid` whose command name is `comm`. */
export async function findInGroup(pgid, comm) {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'latin1').catch(() => undefined);
    if (stat === undefined) continue;
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[2]) === pgid && stat.slice(open + 1, close) === comm) return Number(name);
  }
  return undefined;
}

/** The first child of `ppid` whose command name is `comm`. */
export async function findChild(ppid, comm) {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'latin1').catch(() => undefined);
    if (stat === undefined) continue;
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[1]) === ppid && stat.slice(open + 1, close) === comm) return Number(name);
  }
  return undefined;
}

// ---- /proc sampling --------------------------------------------------------------------------

/** VmRSS of `pid` in bytes, or undefined when gone. */
export async function rssOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => undefined);
  const match = status && /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** utime+stime of `pid` in seconds (clock ticks of 100 Hz), or undefined when gone. */
export async function cpuSecondsOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples VmRSS of named pids every `everyMs`; `stop()` returns the max per name. */
export function sampleRss(pids, everyMs = 1000) {
  const max = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const samples = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const tick = async () => {
    for (const [name, pid] of Object.entries(pids)) {
      if (pid === undefined) continue;
      const rss = await rssOf(pid);
      if (rss !== undefined) {
        max[name] = Math.max(max[name], rss);
        samples[name]++;
      }
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await tick();
      return { max, samples };
    },
  };
}

/**
 * Samples VmRSS and CPU seconds of processes every `everyMs`, as a time series. `pids()` returns the
 * processes to sample now as `{ name: pid }` (a process may come and go, e.g. a killed server and its
 * restart under the same name). `samples` holds `{ t, rss: { name: bytes }, cpu: { name: seconds } }`.
 */
export function sampleProcesses(pids, everyMs = 1000) {
  const samples = [];
  const tick = async () => {
    const t = Date.now();
    const rss = {};
    const cpu = {};
    for (const [name, pid] of Object.entries(pids())) {
      if (pid === undefined) continue;
      const [r, c] = await Promise.all([rssOf(pid), cpuSecondsOf(pid)]);
      if (r !== undefined) rss[name] = r;
      if (c !== undefined) cpu[name] = c;
    }
    samples.push({ t, rss, cpu });
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  return {
    samples,
    /** The samples taken in [from, to]. */
    between: (from, to) => samples.filter((s) => s.t >= from && s.t <= to),
    stop() {
      clearInterval(timer);
    },
  };
}

/** The machine's load: 1-minute load average and cores, as a one-line note. */
export function loadNote() {
  const [one, five] = loadavg();
  return `load avg 1m ${one.toFixed(2)}, 5m ${five.toFixed(2)}`;
}

// ---- statistics and formatting ---------------------------------------------------------------

/** The p-quantile (0..1) of an ascending array, nearest rank. */
export function quantile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function median(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN,
  };
}

export const ms = (v, digits = 2) => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : 'n/a');
export const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
export const sleep = (t) => new Promise((r) => setTimeout(r, t));

/** Positive-integer env var, or `fallback`. */
export function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

// ---- HTTP load -------------------------------------------------------------------------------

/**
 * Runs `concurrency` loops issuing `makeRequest()` (an undici request: returns { statusCode, body })
 * for `durationMs`. Every body is read fully. Returns per-request latencies (ms), statuses and req/s.
 * `check(statusCode, text)` may return an error string to count a request as failed.
 */
export async function loadLoop({ concurrency, durationMs, makeRequest, check, warmupMs = 500 }) {
  let seq = 0; // request number across warm-up and run, e.g. for unique names
  const run = async (ms, record) => {
    const latencies = [];
    const statuses = new Map();
    const errors = [];
    const end = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const { statusCode, body } = await makeRequest(seq++);
          const text = await body.text();
          const dt = performance.now() - t0;
          statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
          const problem = check?.(statusCode, text);
          if (problem) errors.push(problem);
          if (record) latencies.push(dt);
        } catch (err) {
          errors.push(String(err));
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = performance.now() - started;
    return { latencies, statuses, errors, elapsedMs: elapsed, rps: (latencies.length / elapsed) * 1000 };
  };
  if (warmupMs > 0) await run(warmupMs, false);
  return run(durationMs, true);
}

/** Runs `fn` on every item with at most `limit` in flight; resolves to the results in order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
