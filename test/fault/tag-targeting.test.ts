/**
 * Drill (issue 10, tag targeting): one server and three plain agents over gRPC, Dkron's agent_test cases
 * (dkron-behaviour.md §12) checked against the jobs' own ledger (each run writes the pid of the node that
 * spawned it): `value:count` picks that many distinct nodes; several tags must all match; no tags runs on
 * every node; an exclusive value runs on its one node; the least count over the tags wins; a value, a
 * second tag that matches nothing launches nothing and records a failed execution with the reason (a
 * count that is not a positive integer is refused at save, 400); `value:1` picks uniformly (300 runs over 3 agents, each gets at least 20%).
 *
 * Agents: a1 `pool=w zone=x only=me`, a2 `pool=w zone=x`, a3 `pool=w zone=y`; the server has none of these.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { createServerLedger, type ServerLedger } from './harness/servers.js';

const UNIFORM_RUNS = 300;

let dir: string;
let ledger: ServerLedger;
let server: AgentHandle;
let client: ReturnType<typeof api>;
/** Node name by pid, for the ledger's `node` column. */
const nameOfPid = new Map<number, string>();

function startPlain(name: string, tags: readonly string[]): Promise<AgentHandle> {
  return startAgent({
    server: false,
    nodeName: name,
    args: ['--join', `127.0.0.1:${server.ports.rpc}`, ...tags.flatMap((t) => ['--tag', t])],
    healthTimeoutMs: 30_000,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-fault-tags-'));
  ledger = await createServerLedger(dir);
  server = await startAgent({ nodeName: 's1', args: ['--max-executions-per-job', '1000'] });
  client = api(server.baseUrl);
  const agents = await Promise.all([
    startPlain('a1', ['pool=w', 'zone=x', 'only=me']),
    startPlain('a2', ['pool=w', 'zone=x']),
    startPlain('a3', ['pool=w', 'zone=y']),
  ]);
  for (const node of [server, ...agents]) nameOfPid.set(node.proc.pid!, node.nodeName);
  await waitFor(async () => (await client.get<{ Name: string }[]>('/v1/members')).body.length === 4, {
    message: 'the three agents in /v1/members',
  });
}, 120_000);

afterAll(async () => {
  await stopAllAgents();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function finished(job: string, count: number, timeoutMs = 30_000): Promise<Execution[]> {
  return waitFor(
    async () => {
      const { body } = await client.jobs.executions(job);
      const done = (body as Execution[]).filter((e) => e.status !== 'running');
      return done.length >= count ? done : undefined;
    },
    { message: `${count} finished execution(s) of ${job}`, timeoutMs, intervalMs: 100 },
  );
}

/** The nodes (by name) the ledger says ran `job`, one entry per run. */
async function ranOn(job: string): Promise<string[]> {
  return (await ledger.runs())
    .filter((r) => r.job === job)
    .map((r) => nameOfPid.get(r.node) ?? `pid ${r.node}`);
}

/** Saves a manual job with `tags`, runs it `times` times, and returns the nodes of every run. */
async function runManual(job: string, tags: Record<string, string>, times: number, perRun: number) {
  const saved = await client.jobs.save({ ...ledger.job(job, '@manually'), tags });
  expect(saved.status, saved.text).toBe(201);
  for (let i = 0; i < times; i++) {
    const res = await client.jobs.run(job);
    expect(res.status, res.text).toBe(200);
  }
  const executions = await finished(job, times * perRun);
  expect(
    executions.every((e) => e.success),
    JSON.stringify(executions),
  ).toBe(true);
  const nodes = await ranOn(job);
  // One ledger run per execution: none ran unrecorded, none was recorded without running.
  expect(nodes.sort()).toEqual(executions.map((e) => e.node_name).sort());
  return { nodes, executions };
}

describe('drill: tag targeting over plain agents (Dkron agent_test)', () => {
  it('value:2 runs on two distinct matching nodes, value:1 on one', async () => {
    const two = await runManual('pool-two', { pool: 'w:2' }, 5, 2);
    for (const group of groupsOf(two.executions)) {
      expect(new Set(group).size, 'distinct nodes of one run').toBe(2);
      for (const node of group) expect(['a1', 'a2', 'a3']).toContain(node);
    }
    const one = await runManual('pool-one', { pool: 'w:1' }, 5, 1);
    for (const node of one.nodes) expect(['a1', 'a2', 'a3']).toContain(node);
  });

  it('no tags runs on every node; an exclusive value on its node; tags AND; the least count wins', async () => {
    expect((await runManual('everyone', {}, 2, 4)).nodes.sort()).toEqual([
      'a1',
      'a1',
      'a2',
      'a2',
      'a3',
      'a3',
      's1',
      's1',
    ]);
    expect((await runManual('only-me', { only: 'me' }, 3, 1)).nodes).toEqual(['a1', 'a1', 'a1']);
    expect((await runManual('pool-and-zone', { pool: 'w', zone: 'x' }, 2, 2)).nodes.sort()).toEqual([
      'a1',
      'a1',
      'a2',
      'a2',
    ]);
    const least = await runManual('least-count', { pool: 'w:3', zone: 'x:1' }, 6, 1);
    for (const node of least.nodes) expect(['a1', 'a2']).toContain(node);
  });

  it('a value or one more tag that matches nothing: a failed execution with the reason, no run; a bad count: 400', async () => {
    const cases: [string, Record<string, string>][] = [
      ['no-value', { pool: 'nomatch' }],
      ['no-second-tag', { pool: 'w', zone: 'nomatch' }],
    ];
    // Dkron saves a count that is not a number and never runs the job; here the save is refused.
    const badCount = await client.jobs.save({
      ...ledger.job('bad-count', '@every 1s'),
      tags: { pool: 'w:abc' },
    });
    expect(badCount.status).toBe(400);
    expect(badCount.body).toMatchObject({
      field: 'tags.pool',
      message: expect.stringContaining('must be a positive integer, got "abc"'),
    });
    for (const [name, tags] of cases) {
      const res = await client.jobs.save({ ...ledger.job(name, '@every 1s'), tags });
      expect(res.status, res.text).toBe(201);
    }
    for (const [name, tags] of cases) {
      const [first] = await finished(name, 1);
      expect(first).toMatchObject({
        status: 'failed',
        success: false,
        output: `no target nodes found to run job ${name}: no alive member matches its tags ${JSON.stringify(tags)}\n`,
      });
      // A manual run is refused as in Dkron.
      const run = await client.jobs.run(name);
      expect(run.status).toBe(404);
      expect(run.text).toContain(`no target nodes found to run job ${name}`);
    }
    for (const [name] of cases) expect((await client.jobs.delete(name)).status).toBe(200);
    for (const [name] of cases) expect(await ranOn(name), `ledger of ${name}`).toEqual([]);
  });

  it(`value:1 picks uniformly: ${UNIFORM_RUNS} runs over three agents, each gets at least 20%`, async () => {
    const { nodes } = await runManual('uniform', { pool: 'w:1' }, UNIFORM_RUNS, 1);
    const per = Object.fromEntries(['a1', 'a2', 'a3'].map((n) => [n, nodes.filter((x) => x === n).length]));
    const mean = UNIFORM_RUNS / 3;
    const chiSquare = Object.values(per).reduce((sum, n) => sum + (n - mean) ** 2 / mean, 0);
    console.log(
      `[tags] ${UNIFORM_RUNS} runs of pool=w:1: ${JSON.stringify(per)}, chi-square ${chiSquare.toFixed(2)} (2 df)`,
    );
    expect(nodes).toHaveLength(UNIFORM_RUNS);
    // Each below 20% has a probability under 1e-6 for a uniform choice.
    for (const n of Object.values(per)) expect(n).toBeGreaterThanOrEqual(UNIFORM_RUNS * 0.2);
  }, 300_000);
});

/** The node names of each run (one execution group per run). */
function groupsOf(executions: readonly Execution[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const e of executions) groups.set(e.group, [...(groups.get(e.group) ?? []), e.node_name]);
  return [...groups.values()];
}
