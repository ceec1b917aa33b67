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

// Arguments: <job> <ledger file> [<seconds to sleep after the start line>].
const SCRIPT = `#!/bin/sh
echo "$1 $(date +%s%N) $PPID $$" >> "$2"
echo "pid $$"
if [ -n "$3" ] && [ "$3" != 0 ]; then sleep "$3"; fi
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
  /** A job that writes this ledger, sleeps `extra.sleepSeconds` (default 0), with `extra.fields` merged in. */
  job(name: string, schedule: string, extra?: ServerJobOptions): Record<string, unknown> & { name: string };
  runs(): Promise<ServerRun[]>;
}

export interface ServerJobOptions {
  readonly sleepSeconds?: number;
  /** Other job fields (`tags`, `catchup_window`, …). */
  readonly fields?: Record<string, unknown>;
}

export async function createServerLedger(dir: string): Promise<ServerLedger> {
  const script = join(dir, 'run-ledger.sh');
  const path = join(dir, 'runs.ledger');
  await writeFile(script, SCRIPT, { mode: 0o755 });
  return {
    path,
    job: (name, schedule, extra = {}) => ({
      name,
      schedule,
      executor: 'shell',
      executor_config: { command: `/bin/sh ${script} ${name} ${path} ${extra.sleepSeconds ?? 0}` },
      ...extra.fields,
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

/** The lease row as the store has it now (holder and epoch), read linearizably from the rqlite cluster. */
export async function leaseRow(
  rqlite: RqliteCluster,
): Promise<{ holder: string; epoch: number } | undefined> {
  const [row] = await rqlite.query(['SELECT holder, epoch FROM leader']);
  return row === undefined ? undefined : { holder: String(row.holder), epoch: Number(row.epoch) };
}

/** A ledger run with the slot it ran for, and how that slot was found. */
export interface SlottedRun extends ServerRun {
  /** Epoch ms of the scheduled slot, or `undefined` for a run of a manual execution. */
  readonly slot: number | undefined;
  /** `pid`: its execution's output names it; `record`: the no-output record of its job nearest before
   * it (a run whose server died before it ended); `none`: no record of it. */
  readonly tie: 'pid' | 'record' | 'none';
}

/**
 * Ties every ledger run to its slot. A run whose server was killed before the run ended has no output
 * stored: it is tied to the latest record of its job without output (running, or `lost`) scheduled
 * at most 3 s before it started. A run tied to no record keeps `slot` undefined.
 */
export function slotRuns(runs: readonly ServerRun[], executions: readonly Execution[]): SlottedRun[] {
  const byPid = new Map<number, Execution>();
  const silent = new Map<string, number[]>();
  for (const e of executions) {
    const pid = /pid (\d+)/.exec(e.output)?.[1];
    if (pid !== undefined) byPid.set(Number(pid), e);
    else if (e.scheduled_at)
      silent.set(e.job_name, [...(silent.get(e.job_name) ?? []), Date.parse(e.scheduled_at)]);
  }
  return runs.map((run) => {
    const own = byPid.get(run.pid);
    if (own) return { ...run, slot: own.scheduled_at ? Date.parse(own.scheduled_at) : undefined, tie: 'pid' };
    const near = (silent.get(run.job) ?? []).filter((s) => s <= run.at + 50 && s > run.at - 3_000);
    if (near.length > 0) return { ...run, slot: Math.max(...near), tie: 'record' };
    return { ...run, slot: undefined, tie: 'none' };
  });
}

/** `job@slot` keys run more than once by the tied runs, and of the executions recorded per slot. */
export function slotsRunTwice(runs: readonly SlottedRun[], executions: readonly Execution[]): string[] {
  const seen = new Map<string, number>();
  const bump = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
  for (const run of runs) if (run.slot !== undefined) bump(`run:${run.job}@${run.slot}`);
  for (const e of executions)
    if (e.scheduled_at && e.attempt === 1) bump(`exec:${e.job_name}@${Date.parse(e.scheduled_at)}`);
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

/** A leadership term as its server logged it. */
export interface LoggedTerm {
  readonly pid: number;
  readonly epoch: number;
  /** Epoch ms of the "leading the cluster" line (just after the lease was taken). */
  readonly at: number;
}

/** Every term the servers logged (a killed server's handle keeps its logs). */
export function loggedTerms(servers: readonly AgentHandle[]): LoggedTerm[] {
  return servers.flatMap((s) =>
    s
      .logs()
      .split('\n')
      .filter((line) => line.includes('"msg":"leading the cluster"'))
      .map((line) => {
        const parsed = JSON.parse(line) as { time: string; epoch: number };
        return { pid: s.proc.pid ?? 0, epoch: parsed.epoch, at: Date.parse(parsed.time) };
      }),
  );
}

/** A row of the store's launch ledger. */
export interface LaunchRow {
  readonly job: string;
  readonly slot: number;
  readonly epoch: number;
}

export async function launchRows(rqlite: RqliteCluster): Promise<LaunchRow[]> {
  const rows = await rqlite.query(['SELECT job, scheduled_at, epoch FROM launches']);
  return rows.map((r) => ({ job: String(r.job), slot: Number(r.scheduled_at), epoch: Number(r.epoch) }));
}

/**
 * At most once by the jobs' own ledger, against the store's launch ledger (one row per (job, slot), with
 * the epoch that inserted it): a server may start a run only for a launch one of its terms inserted, once.
 * For every (server process, job), at every run's start, its runs so far must not outnumber its launches
 * due by then (a run starts at or after its slot). Returns the violations, as text.
 */
export function runsBeyondLaunches(
  runs: readonly ServerRun[],
  launches: readonly LaunchRow[],
  terms: readonly LoggedTerm[],
): string[] {
  const epochsOf = new Map<number, Set<number>>();
  for (const t of terms) epochsOf.set(t.pid, (epochsOf.get(t.pid) ?? new Set()).add(t.epoch));
  const violations: string[] = [];
  const keys = new Set(runs.map((r) => `${r.node} ${r.job}`));
  for (const key of keys) {
    const [node, job] = [Number(key.split(' ')[0]), key.slice(key.indexOf(' ') + 1)];
    const epochs = epochsOf.get(node) ?? new Set<number>();
    const slots = launches
      .filter((l) => l.job === job && epochs.has(l.epoch))
      .map((l) => l.slot)
      .sort((a, b) => a - b);
    const mine = runs.filter((r) => r.node === node && r.job === job).sort((a, b) => a.at - b.at);
    let due = 0;
    for (const [i, run] of mine.entries()) {
      while (due < slots.length && (slots[due] ?? 0) <= run.at + 5) due++;
      if (i + 1 > due) {
        const near = launches
          .filter((l) => l.job === job && Math.abs(l.slot - run.at) < 6_000)
          .map((l) => `${l.slot}/e${l.epoch}`);
        violations.push(
          `${job}: run ${i + 1} by pid ${node} (epochs ${[...epochs].join(',')}) at ${run.at}, only ${due} ` +
            `launches due by then; its runs ${mine.map((r) => r.at).join(',')}; launches near ${near.join(',')}`,
        );
        break;
      }
    }
  }
  return violations;
}
