/**
 * Servers sharing one external rqlite cluster (`--rqlite-url`), electing their leader over the store's
 * lease, and the run ledger their jobs keep: every run appends `job, start (ns), node pid (the agent that
 * spawned it), own pid` to one file and prints `pid <own pid>`, which ties the line to the execution (and
 * so to its scheduled slot).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { expect } from 'vitest';
import { type AgentHandle, api, startAgent, waitFor } from '../../e2e/helpers/index.js';
import type { RqliteCluster } from '../../e2e/helpers/rqlite-cluster.js';

const SCRIPT = `#!/bin/sh
echo "$1 $(date +%s%N) $PPID $$" >> "$2"
echo "pid $$"
`;

/** One line of the run ledger. */
export interface ServerRun {
  readonly job: string;
  /** Epoch ms of the run's start. */
  readonly at: number;
  /** Pid of the agent that started it. */
  readonly node: number;
  readonly pid: number;
}

/** The ledger file of a drill and the job bodies that write it. */
export interface ServerLedger {
  readonly path: string;
  job(name: string, schedule: string): Record<string, unknown> & { name: string };
  runs(): Promise<ServerRun[]>;
}

export async function createServerLedger(dir: string): Promise<ServerLedger> {
  const script = join(dir, 'run-ledger.sh');
  const path = join(dir, 'runs.ledger');
  await writeFile(script, SCRIPT, { mode: 0o755 });
  return {
    path,
    job: (name, schedule) => ({
      name,
      schedule,
      executor: 'shell',
      executor_config: { command: `/bin/sh ${script} ${name} ${path}` },
    }),
    async runs() {
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [job, ns, node, pid] = line.split(' ');
          return {
            job: job ?? '',
            at: Number(BigInt(ns ?? '0') / 1_000_000n),
            node: Number(node),
            pid: Number(pid),
          };
        });
    },
  };
}

/** Starts one server on the shared rqlite cluster; resolves when its API answers (the cluster is formed). */
export function startServer(rqlite: RqliteCluster, nodeName: string, extra: readonly string[] = []) {
  return startAgent({
    nodeName,
    healthTimeoutMs: 60_000,
    args: [
      '--rqlite-url',
      rqlite.flag,
      '--bootstrap-expect',
      '3',
      '--shutdown-timeout',
      '5s',
      '--max-executions-per-job',
      '1000',
      ...extra,
    ],
  });
}

/** Whether a server says it leads (`GET /v1/isleader`). */
export async function saysLeader(server: AgentHandle): Promise<boolean> {
  const res = await api(server.baseUrl).get<string>('/v1/isleader');
  return res.status === 200 && res.body === 'I am a leader';
}

/** Waits until every server names the same leader and exactly that one says it leads; returns it. */
export async function agreedLeader(
  servers: readonly AgentHandle[],
  timeoutMs = 15_000,
): Promise<AgentHandle> {
  return waitFor(
    async () => {
      const named = await Promise.all(
        servers.map(async (s) => (await api(s.baseUrl).get<{ Name?: string }>('/v1/leader')).body?.Name),
      );
      const leading = await Promise.all(servers.map(saysLeader));
      const leader = servers.find((s) => s.nodeName === named[0]);
      if (!leader || named.some((n) => n !== leader.nodeName)) return undefined;
      return leading.filter(Boolean).length === 1 && leading[servers.indexOf(leader)] ? leader : undefined;
    },
    { timeoutMs, intervalMs: 50, message: 'the servers to agree on one leader' },
  );
}

/** Every execution of `jobs`, read through `server`. */
export async function executionsOf(server: AgentHandle, jobs: readonly string[]): Promise<Execution[]> {
  const all: Execution[] = [];
  for (const name of jobs) {
    const res = await api(server.baseUrl).jobs.executions(name);
    expect(res.status, `executions of ${name}: ${res.text}`).toBe(200);
    all.push(...(res.body as Execution[]));
  }
  return all;
}

/** The (job, slot) pairs that ran more than once, by the ledger's runs tied to their executions. */
export function doubledSlots(runs: readonly ServerRun[], executions: readonly Execution[]): string[] {
  const slotOfPid = new Map<number, string>();
  for (const e of executions) {
    const pid = /pid (\d+)/.exec(e.output)?.[1];
    if (pid !== undefined && e.scheduled_at) slotOfPid.set(Number(pid), `${e.job_name}@${e.scheduled_at}`);
  }
  const seen = new Map<string, number>();
  for (const run of runs) {
    const slot = slotOfPid.get(run.pid);
    if (slot !== undefined) seen.set(slot, (seen.get(slot) ?? 0) + 1);
  }
  // The executions themselves: one per (job, slot).
  for (const e of executions) {
    if (!e.scheduled_at) continue;
    const key = `exec:${e.job_name}@${e.scheduled_at}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([slot]) => slot);
}
