// Stale reads right after a kill -9 of rqlited: the embedded supervisor restarts it, and this counts
// the reads, during the 3 s after the kill, that return anything but the last acknowledged value.
//
//   npx tsc -b tsconfig.build.json && node test/bench/stale-reads.bench.mjs [level] [trials]   # ~30 s
//
// Per trial: 400 acknowledged updates of one row (one request each), kill -9 of rqlited, then reads of
// that row in a loop (the store's client: undici, retries, `level` as given, default `linearizable`).
// A read that answers another value (or no row) is stale. Figures only; exits 1 when a read was stale.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO } from './lib/harness.mjs';

const { createRqliteClient, startEmbeddedRqlite } = await import(
  join(REPO, 'packages/store-rqlite/dist/index.js')
);
const level = process.argv[2] ?? 'linearizable';
const trials = Number(process.argv[3] ?? 5);
const dir = await mkdtemp(join(tmpdir(), 'dkron-bench-stale-'));
const rqlite = await startEmbeddedRqlite({
  dataDir: dir,
  httpPort: await freePort(),
  raftPort: await freePort(),
});
const client = createRqliteClient({
  url: rqlite.url,
  credentials: rqlite.credentials,
  transport: 'undici',
  deadlineMs: 20_000,
});
let staleTotal = 0;
try {
  await client.execute([
    ['CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER)'],
    ['INSERT OR REPLACE INTO t VALUES (1, 0)'],
  ]);
  let value = 0;
  for (let trial = 0; trial < trials; trial++) {
    for (let i = 0; i < 400; i++) {
      value++;
      await client.execute([['UPDATE t SET v = ? WHERE id = 1', value]]);
    }
    process.kill(rqlite.pid, 'SIGKILL');
    const seen = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 3000) {
      const [result] = await client.query([['SELECT v FROM t WHERE id = 1']], { level });
      seen.push(result.rows[0]?.v ?? null);
    }
    const stale = seen.filter((v) => v !== value);
    staleTotal += stale.length;
    const oldest = stale.length === 0 ? '' : `, oldest ${Math.min(...stale.map((v) => v ?? 0))}`;
    console.log(
      `${level} trial ${trial}: acknowledged ${value}; ${seen.length} reads in 3 s after the kill; stale ${stale.length}${oldest}`,
    );
  }
} finally {
  await client.close();
  await rqlite.stop();
  await rm(dir, { recursive: true, force: true });
}
if (staleTotal > 0) process.exit(1);
