/**
 * Drill: three servers on one external rqlite cluster (a real 3-node rqlited Raft group) elect one
 * scheduling leader over the store's lease (issue 10). Each check uses the jobs' own run ledger:
 * - one leader among three, in repeated simultaneous starts with `--bootstrap-expect 3`;
 * - a job created through a follower is listed by every server and runs on the leader;
 * - `kill -9` of the leader: another server runs the jobs within 5 s; the old leader, restarted, follows;
 * - a leader frozen with SIGSTOP past its lease, then resumed, starts no run, and the store's lease names
 *   the new leader at a higher epoch; no (job, slot) runs twice.
 *
 * LEASE_STARTS sets the number of repeated starts (default 10; the issue asks for 20).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { type RqliteCluster, startRqliteCluster } from '../e2e/helpers/rqlite-cluster.js';
import { alive, signal } from './harness/index.js';
import {
  agreedLeader,
  createServerLedger,
  doubledSlots,
  executionsOf,
  leaseRow,
  type ServerLedger,
  saysLeader,
  startServer,
} from './harness/servers.js';

const STARTS = Number(process.env.LEASE_STARTS ?? 10);
const NAMES = ['s1', 's2', 's3'] as const;
const JOBS = ['every-a', 'every-b', 'every-c'];

let rqlite: RqliteCluster;
let dir: string;
let ledger: ServerLedger;
const frozen = new Set<number>();

beforeAll(async () => {
  rqlite = await startRqliteCluster(3);
  dir = await mkdtemp(join(tmpdir(), 'dkron-fault-lease-'));
  ledger = await createServerLedger(dir);
}, 60_000);

afterAll(async () => {
  for (const pid of frozen) if (alive(pid)) process.kill(pid, 'SIGCONT');
  await stopAllAgents();
  await rqlite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A database as no server ever used it: the lease and the member rows gone, and every job. */
async function freshStore(): Promise<void> {
  await rqlite
    .execute([
      ['DELETE FROM leader'],
      ['DELETE FROM members'],
      ['DELETE FROM executions'],
      ['DELETE FROM launches'],
      ['DELETE FROM jobs'],
    ])
    .catch((err: Error) => {
      // Before the first server migrated the schema, there is nothing to delete.
      if (!err.message.includes('no such table')) throw err;
    });
}

const startThree = () => Promise.all(NAMES.map((name) => startServer(rqlite, name)));

const leadLines = (server: AgentHandle) =>
  server
    .logs()
    .split('\n')
    .filter((line) => line.includes('"msg":"leading the cluster"'));

describe('drill: servers sharing an rqlite cluster elect one fenced leader', () => {
  it(`elects exactly one leader in ${STARTS} simultaneous starts of three servers`, async () => {
    const took: number[] = [];
    for (let round = 1; round <= STARTS; round++) {
      await freshStore();
      const began = Date.now();
      const servers = await startThree();
      const leader = await agreedLeader(servers);
      took.push(Date.now() - began);
      // Sampled for a second: never two servers saying they lead.
      for (let i = 0; i < 10; i++) {
        const leading = await Promise.all(servers.map(saysLeader));
        expect(leading.filter(Boolean), `round ${round}`).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Exactly one term started in the whole round, on the leader.
      expect(
        servers.map((s) => leadLines(s).length),
        `round ${round}`,
      ).toEqual(servers.map((s) => (s === leader ? 1 : 0)));
      await Promise.all(servers.map((s) => s.stop()));
    }
    console.log(`[lease] ${STARTS} starts: one leader each; start to agreed leader ${took.join(', ')} ms`);
  }, 600_000);

  it('runs a job saved on a follower on the leader; kill -9 of the leader fails over within 5 s; frozen leaders launch nothing', async () => {
    await freshStore();
    let servers = await startThree();
    const leader = await agreedLeader(servers);
    const follower = servers.find((s) => s !== leader)!;
    for (const name of JOBS) {
      const res = await api(follower.baseUrl).jobs.save(ledger.job(name, '@every 1s'));
      expect(res.status, res.text).toBe(201);
    }
    // Listed by every server, run by the leader only.
    for (const s of servers) {
      const listed = await api(s.baseUrl).jobs.list();
      expect(listed.body.map((j) => j.name).sort()).toEqual(JOBS);
    }
    await waitFor(
      async () => {
        const runs = await ledger.runs();
        return JOBS.every((j) => runs.filter((r) => r.job === j).length >= 2);
      },
      { timeoutMs: 10_000, message: 'two runs of every job' },
    );
    const before = await ledger.runs();
    expect(new Set(before.map((r) => r.node))).toEqual(new Set([leader.proc.pid]));

    // Failover: kill -9 of the leader; the first run by another server comes within 5 s.
    const killedAt = Date.now();
    await leader.kill9();
    const first = await waitFor(
      async () => (await ledger.runs()).find((r) => r.at > killedAt && r.node !== leader.proc.pid),
      { timeoutMs: 10_000, intervalMs: 20, message: 'a run by another server after the kill' },
    );
    const failoverMs = first.at - killedAt;
    console.log(`[lease] kill -9 of the leader: first run by another server after ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(5_000);
    servers = servers.filter((s) => s !== leader);
    const successor = await agreedLeader(servers);
    expect(successor.proc.pid).toBe(first.node);

    // The old leader, restarted on its name, follows.
    const back = await startServer(rqlite, leader.nodeName);
    servers = [...servers, back];
    expect(await agreedLeader(servers)).toBe(successor);
    expect(await saysLeader(back)).toBe(false);

    // Fencing: freeze the leader past its lease (3 s) until another server runs the jobs, then resume it.
    const frozenPid = successor.proc.pid!;
    const leaseBefore = await leaseRow(rqlite);
    expect(leaseBefore?.holder).toBe(successor.nodeName);
    const frozenAt = Date.now();
    signal(frozenPid, 'SIGSTOP');
    frozen.add(frozenPid);
    const taken = await waitFor(
      async () => (await ledger.runs()).find((r) => r.at > frozenAt && r.node !== frozenPid),
      { timeoutMs: 10_000, intervalMs: 20, message: 'a run by another server during the freeze' },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    signal(frozenPid, 'SIGCONT');
    frozen.delete(frozenPid);
    const resumedAt = Date.now();
    console.log(
      `[lease] SIGSTOP of the leader: another server ran after ${taken.at - frozenAt} ms; resumed after ${resumedAt - frozenAt} ms`,
    );
    await waitFor(async () => !(await saysLeader(successor)), { message: 'the resumed leader to follow' });
    await new Promise((r) => setTimeout(r, 3_000));
    const runs = await ledger.runs();
    const now = await agreedLeader(servers);
    const executions = await executionsOf(now, JOBS);
    const slotOf = new Map(
      executions.map((e) => [Number(/pid (\d+)/.exec(e.output)?.[1]), Date.parse(e.scheduled_at ?? '')]),
    );
    // A run spawned just before the freeze writes its line within a few ms of it: 200 ms of slack. A
    // run the leader started at a slot before the freeze may still have its process spawned after the
    // resume (the executor's few ms between dispatch and spawn): it was launched before the freeze.
    const late = runs.filter((r) => r.node === frozenPid && r.at > frozenAt + 200);
    const launchedAfter = late
      .filter((r) => !((slotOf.get(r.pid) ?? Number.POSITIVE_INFINITY) <= frozenAt))
      .map((r) => ({ ...r, slot: slotOf.get(r.pid), afterFreeze: r.at - frozenAt }));
    expect(launchedAfter, 'runs the frozen leader launched after the freeze').toEqual([]);
    console.log(
      `[lease] frozen leader: ${late.length} runs of slots before the freeze spawned after it, 0 launched after`,
    );
    expect(now).not.toBe(successor);
    // The store shows the new leader's term, at a higher epoch than the frozen one's.
    const leaseAfter = await leaseRow(rqlite);
    expect(leaseAfter?.holder).toBe(now.nodeName);
    expect(leaseAfter?.epoch).toBeGreaterThan(leaseBefore?.epoch ?? Number.POSITIVE_INFINITY);
    expect(doubledSlots(runs, executions), '(job, slot) run twice').toEqual([]);
    const tied = runs.filter((r) => executions.some((e) => e.output.includes(`pid ${r.pid}`))).length;
    console.log(`[lease] ledger: ${runs.length} runs, ${tied} tied to their execution, 0 slots twice`);
    expect(tied).toBeGreaterThan(runs.length - 10);
  }, 120_000);
});
