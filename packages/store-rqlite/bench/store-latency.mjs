// Latency of the rqlite store on the API's hot paths, against a real embedded rqlited:
// GET /v1/jobs pages and job creation at concurrency 10 (CONCURRENCY) with 10,000 jobs (JOBS) stored,
// through both client transports, plus the page query sent with a bare undici Pool as the baseline.
// Run after `tsc -b tsconfig.build.json`: node packages/store-rqlite/bench/store-latency.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJob } from '@dkron-core/kernel';
import { Pool } from 'undici';
import { createRqliteClient, createRqliteStore, startEmbeddedRqlite } from '../dist/index.js';
import { listJobsStatements } from '../dist/internal/job-query.js';
import { upsertJobStatement } from '../dist/internal/job-rows.js';

const JOBS = Number(process.env.JOBS ?? 10_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 10);

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function job(name, i) {
  return {
    ...toJob({
      name,
      displayname: `Job number ${i}`,
      schedule: `@every ${(i % 60) + 1}m`,
      owner: 'bench',
      disabled: i % 10 === 0,
      tags: { role: 'web' },
      metadata: { team: `t${i % 20}`, env: i % 2 ? 'prod' : 'dev' },
      executor: 'shell',
      executor_config: { command: `echo ${i}` },
      success_count: i % 97,
      error_count: i % 13,
      last_success: i % 3 ? new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() : null,
    }),
    // `next` is the scheduler's: the binder resets it.
    next: new Date(Date.UTC(2026, 0, 2) + i * 1000).toISOString(),
  };
}

async function measure(label, total, fn) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(
    `${label.padEnd(44)} n=${total} ${(total / seconds).toFixed(0).padStart(5)}/s  p50 ${at(0.5)} ms  p99 ${at(0.99)} ms  max ${at(1)} ms`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'dkron-core-bench-'));
const rqlite = await startEmbeddedRqlite({
  dataDir: dir,
  httpPort: await freePort(),
  raftPort: await freePort(),
});
console.log(`embedded rqlited ready in ${rqlite.startupMs} ms`);
const client = createRqliteClient({ url: rqlite.url, credentials: rqlite.credentials });
const pool = new Pool(rqlite.url, { connections: CONCURRENCY });
const { username, password } = rqlite.credentials;
const basicAuth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const stores = new Map();
try {
  // Creating a store migrates the schema.
  for (const transport of ['rqlite-js', 'undici']) {
    stores.set(
      transport,
      await createRqliteStore({ url: rqlite.url, transport, credentials: rqlite.credentials }),
    );
  }
  const seedStart = performance.now();
  for (let from = 0; from < JOBS; from += 500) {
    const batch = [];
    for (let i = from; i < Math.min(JOBS, from + 500); i++)
      batch.push(upsertJobStatement(job(`job-${i}`, i)));
    await client.execute(batch, { transaction: true });
  }
  console.log(
    `seeded ${JOBS} jobs in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; concurrency ${CONCURRENCY}`,
  );

  const page = (i) => ({ start: (i * 20) % JOBS, end: ((i * 20) % JOBS) + 20 });
  await measure('baseline: bare undici Pool, page query', 2000, async (i) => {
    const response = await pool.request({
      method: 'POST',
      path: '/db/query?level=weak',
      headers: { 'content-type': 'application/json', authorization: basicAuth },
      body: JSON.stringify(listJobsStatements(page(i))),
    });
    await response.body.json();
  });
  for (const [transport, store] of stores) {
    console.log(`-- store, transport ${transport}`);
    await measure('warm-up', 200, (i) => store.listJobs(page(i)));
    await measure('listJobs page of 20 (sort name)', 2000, (i) => store.listJobs(page(i)));
    await measure('listJobs page of 20 (sort next DESC)', 2000, (i) =>
      store.listJobs({ ...page(i), sort: 'next', order: 'DESC' }),
    );
    await measure('listJobs q + metadata + disabled filters', 1000, (i) =>
      store.listJobs({
        q: `${i % 10}`,
        metadata: { team: `t${i % 20}` },
        disabled: false,
        start: 0,
        end: 20,
      }),
    );
    await measure('getJob', 2000, (i) => store.getJob(`job-${(i * 7) % JOBS}`));
    await measure('saveJob (create)', 1000, (i) => store.saveJob(job(`new-${transport}-${i}`, i)));
    await measure('saveJob (update existing)', 1000, (i) => store.saveJob(job(`job-${i}`, i)));
  }
} finally {
  await pool.close();
  await client.close();
  for (const store of stores.values()) await store.close();
  await rqlite.stop();
  await rm(dir, { recursive: true, force: true });
}
