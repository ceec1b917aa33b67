// Cost of rqlite's read consistency levels for the store's job read, in one run against one embedded
// rqlited (the agent's own supervisor and credentials, the undici transport the agent uses).
//
//   npx tsc -b tsconfig.build.json && node test/bench/read-levels.bench.mjs     # about 30 s
//
// 500 jobs are stored, then `SELECT <job columns> FROM jobs WHERE name = ?` (the store's getJob) is sent
// READS_N (2,000) times per level and mode, sequentially and at concurrency 16, levels interleaved round
// by round (READS_ROUNDS, 3) so a change of the machine's load hits each alike. Printed per level: reads/s,
// p50/p99 latency (medians over rounds), rqlited CPU per read, and the ratios to `weak`.
// - weak: the node checks locally that it leads, then reads its SQLite (may be stale right after a restart);
// - linearizable: the leader confirms with a quorum heartbeat that it still leads and waits until it has
//   applied everything committed when the read arrived (Raft's read index; no log entry is written);
// - strong: the read goes through the Raft log like a write.
// Figures only; nothing is asserted about speed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuSecondsOf,
  envInt,
  freePort,
  loadNote,
  mapLimit,
  median,
  ms,
  REPO,
  summarize,
} from './lib/harness.mjs';

const { createRqliteClient, startEmbeddedRqlite } = await import(
  join(REPO, 'packages/store-rqlite/dist/index.js')
);

const N = envInt('READS_N', 2000);
const ROUNDS = envInt('READS_ROUNDS', 3);
const JOBS = 500;
const LEVELS = ['weak', 'linearizable', 'strong'];
const SQL = 'SELECT name, displayname, schedule, doc FROM jobs WHERE name = ?';

console.log(`read-levels benchmark (node ${process.version}); machine: ${loadNote()}`);
const dir = await mkdtemp(join(tmpdir(), 'dkron-bench-levels-'));
const rqlite = await startEmbeddedRqlite({
  dataDir: dir,
  httpPort: await freePort(),
  raftPort: await freePort(),
});
const client = createRqliteClient({ url: rqlite.url, credentials: rqlite.credentials, transport: 'undici' });
try {
  await client.execute([
    ['CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, displayname TEXT, schedule TEXT, doc TEXT)'],
  ]);
  const doc = JSON.stringify({ executor: 'shell', executor_config: { command: 'echo hello' }, tags: {} });
  await client.execute(
    Array.from({ length: JOBS }, (_, i) => [
      'INSERT OR REPLACE INTO jobs VALUES (?, ?, ?, ?)',
      `job-${i}`,
      '',
      '@every 1m',
      doc,
    ]),
    { transaction: true },
  );
  const results = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    const order = LEVELS.map((_, i) => LEVELS[(i + round) % LEVELS.length]);
    for (const concurrency of [1, 16]) {
      for (const level of order) {
        const latencies = [];
        const cpu0 = await cpuSecondsOf(rqlite.pid);
        const t0 = performance.now();
        await mapLimit(
          Array.from({ length: N }, (_, i) => i),
          concurrency,
          async (i) => {
            const started = performance.now();
            const [result] = await client.query([[SQL, `job-${i % JOBS}`]], { level });
            if (result.rows.length !== 1) throw new Error(`job-${i % JOBS} not read at ${level}`);
            latencies.push(performance.now() - started);
          },
        );
        const wall = performance.now() - t0;
        const cpu = ((await cpuSecondsOf(rqlite.pid)) - cpu0) * 1000;
        const key = `${level} c${concurrency}`;
        const s = summarize(latencies);
        const list = results.get(key) ?? [];
        list.push({ rate: (N / wall) * 1000, p50: s.p50, p99: s.p99, cpuMs: cpu / N });
        results.set(key, list);
      }
    }
  }
  const rows = [];
  for (const concurrency of [1, 16]) {
    const weak = median(results.get(`weak c${concurrency}`).map((r) => r.rate));
    for (const level of LEVELS) {
      const r = results.get(`${level} c${concurrency}`);
      const rate = median(r.map((x) => x.rate));
      rows.push({
        level,
        concurrency,
        'reads/s': rate.toFixed(0),
        p50: ms(median(r.map((x) => x.p50))),
        p99: ms(median(r.map((x) => x.p99))),
        'rqlited cpu ms/read': median(r.map((x) => x.cpuMs)).toFixed(3),
        'reads/s vs weak': (rate / weak).toFixed(2),
      });
    }
  }
  console.log(`${N} reads per level, mode and round; ${ROUNDS} rounds (medians); machine: ${loadNote()}`);
  console.table(rows);
} finally {
  await client.close();
  await rqlite.stop();
  await rm(dir, { recursive: true, force: true });
}
