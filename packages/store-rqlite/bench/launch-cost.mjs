// Cost of the scheduled hot path on a real embedded rqlited with JOBS jobs (default 2,000):
// ROUNDS rounds of the kernel's scheduled path: one recordLaunches batch of every job (the ledger, written
// before the runs start), one startExecutions batch of their running records (lagging trim), then one
// finishExecutions batch of all their completions.
// Reports the wall time of each batch and rqlited's CPU (utime + stime from /proc/<pid>/stat) per launch.
// Run after `tsc -b tsconfig.build.json`: node packages/store-rqlite/bench/launch-cost.mjs
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJob } from '@dkron-core/kernel';
import { createRqliteStore, startEmbeddedRqlite } from '../dist/index.js';

const JOBS = Number(process.env.JOBS ?? 2_000);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const RETAIN = Number(process.env.RETAIN ?? 100);
const TRANSPORT = process.env.TRANSPORT ?? 'undici';
// Linux USER_HZ: /proc times are in clock ticks of 10 ms.
const TICK_MS = 10;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** utime + stime of `pid` in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function job(name) {
  return toJob({
    name,
    schedule: '@every 1s',
    owner: 'bench',
    executor: 'shell',
    executor_config: { command: 'true' },
  });
}

function batchOf(round, t0) {
  const slot = t0 + round * 1000;
  const group = slot * 1_000_000;
  const iso = (ms) => new Date(ms).toISOString();
  return Array.from({ length: JOBS }, (_, i) => {
    const name = `job-${i}`;
    return {
      intent: { job: name, scheduledAt: slot, group, epoch: 1, next: slot + 1000 },
      executions: [
        {
          id: `${group}-node-1`,
          job_name: name,
          started_at: iso(slot + 3),
          finished_at: '0001-01-01T00:00:00Z',
          success: false,
          output: '',
          node_name: 'node-1',
          group,
          attempt: 1,
          status: 'running',
          scheduled_at: iso(slot),
        },
      ],
    };
  });
}

const dir = await mkdtemp(join(tmpdir(), 'dkron-core-launch-bench-'));
const rqlite = await startEmbeddedRqlite({
  dataDir: dir,
  httpPort: await freePort(),
  raftPort: await freePort(),
});
const store = await createRqliteStore({
  url: rqlite.url,
  transport: TRANSPORT,
  credentials: rqlite.credentials,
});
try {
  for (let i = 0; i < JOBS; i++) await store.saveJob(job(`job-${i}`));
  const pid = rqlite.pid;
  console.log(`${JOBS} jobs, ${ROUNDS} rounds, retain ${RETAIN}, path recordLaunches + startExecutions`);
  const t0 = Date.UTC(2026, 0, 1);
  const totals = { launchMs: 0, finishMs: 0, launchCpu: 0, finishCpu: 0, launches: 0 };
  // The first round warms caches and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const batch = batchOf(round, t0);
    let cpu = cpuMs(pid);
    let t = performance.now();
    const inserted = await store.recordLaunches(batch.map((b) => b.intent));
    if (inserted.length !== JOBS) throw new Error(`inserted ${inserted.length}`);
    await store.startExecutions(
      batch.flatMap((b) => b.executions),
      RETAIN,
      { lagTrim: true },
    );
    const launchMs = performance.now() - t;
    const launchCpu = cpuMs(pid) - cpu;
    const completions = batch.map((b) => ({
      jobName: b.intent.job,
      executionId: b.executions[0].id,
      status: 'success',
      finishedAt: new Date(b.intent.scheduledAt + 50).toISOString(),
      output: 'ok\n',
    }));
    cpu = cpuMs(pid);
    t = performance.now();
    await store.finishExecutions(completions);
    const finishMs = performance.now() - t;
    const finishCpu = cpuMs(pid) - cpu;
    if (round === 0) continue;
    totals.launchMs += launchMs;
    totals.finishMs += finishMs;
    totals.launchCpu += launchCpu;
    totals.finishCpu += finishCpu;
    totals.launches += JOBS;
  }
  const per = (ms) => (ms / totals.launches).toFixed(3);
  console.log(
    `launch batch of ${JOBS}: ${(totals.launchMs / ROUNDS).toFixed(1)} ms wall, rqlited CPU ${per(totals.launchCpu)} ms/launch`,
  );
  console.log(
    `finishExecutions of ${JOBS}: ${(totals.finishMs / ROUNDS).toFixed(1)} ms wall, rqlited CPU ${per(totals.finishCpu)} ms/completion`,
  );
  console.log(`total rqlited CPU per launch + completion: ${per(totals.launchCpu + totals.finishCpu)} ms`);
  const job0 = await store.getJob('job-0');
  console.log(`job-0: status ${job0.status}, success_count ${job0.success_count}, next ${job0.next}`);
} finally {
  await store.close();
  await rqlite.stop();
  await rm(dir, { recursive: true, force: true });
}
