/**
 * Drill (issue 10, partition): a plain agent reaches its server through a TCP proxy the drill controls.
 * Cutting the proxy drops the agent's gRPC connection and refuses its reconnects. The agent keeps running
 * its job through the cut (its ledger has the run's start and end, during the cut), reconnects once the
 * proxy forwards again, and reports: the server records the run once, as the agent ran it.
 * - a cut shorter than the heartbeat timeout (3 s): the execution stays `running` meanwhile, then `success`;
 * - a cut longer than it (8 s): the server marks the run `lost` after 5 s (it cannot tell a cut from a
 *   crash); the agent delivers its result after the heal and it replaces `lost`: one execution, `success`.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { createLedgers, type Ledgers, ledgerPidOf } from './harness/index.js';
import { startTcpProxy, type TcpProxy } from './harness/tcp-proxy.js';

let server: AgentHandle;
let agent: AgentHandle;
let proxy: TcpProxy;
let ledgers: Ledgers;
let client: ReturnType<typeof api>;

beforeAll(async () => {
  ledgers = await createLedgers();
  server = await startAgent({ nodeName: 's1' });
  client = api(server.baseUrl);
  proxy = await startTcpProxy(server.ports.rpc);
  agent = await startAgent({
    server: false,
    nodeName: 'cut1',
    args: ['--join', `127.0.0.1:${proxy.port}`, '--tag', 'side=cut'],
    healthTimeoutMs: 30_000,
  });
}, 60_000);

afterAll(async () => {
  await stopAllAgents();
  await proxy?.close();
  await ledgers?.remove();
});

async function executions(job: string): Promise<Execution[]> {
  return (await client.jobs.executions(job)).body as Execution[];
}

const agentHealthy = async () => (await fetch(`${agent.baseUrl}/health`)).status === 200;
const lostLines = () =>
  agent
    .logs()
    .split('\n')
    .filter((l) => l.includes('lost the connection to the server')).length;

/** Runs `job` (a ledger job sleeping `runS`), cuts the proxy for `cutMs` from its start; returns what happened. */
async function runThroughCut(job: string, runS: number, cutMs: number) {
  const saved = await client.jobs.save(
    ledgers.job(job, '@manually', { sleepSeconds: runS, fields: { tags: { side: 'cut' } } }),
  );
  expect(saved.status, saved.text).toBe(201);
  expect((await client.jobs.run(job)).status).toBe(200);
  const [started] = await waitFor(
    async () => {
      const runs = await ledgers.runs(job);
      return runs.length > 0 ? runs : undefined;
    },
    { message: `${job} started on the agent` },
  );
  const lostBefore = lostLines();
  const cutAt = Date.now();
  proxy.cut();
  await waitFor(() => lostLines() > lostBefore, { message: 'the agent to see its connection lost' });
  await waitFor(async () => !(await agentHealthy()), { message: 'the agent to say it is cut off' });
  // The run goes on and ends during the cut.
  const ended = await waitFor(async () => (await ledgers.runs(job)).find((r) => r.endedAt !== undefined), {
    message: `${job} to end during the cut`,
    timeoutMs: runS * 1_000 + 10_000,
  });
  const id = (await executions(job))[0]?.id ?? '';
  // The agent keeps the result it could not deliver in its journal.
  await waitFor(async () => (await journal()).includes(id), {
    message: 'the result kept in the agent’s journal',
  });
  await new Promise((r) => setTimeout(r, Math.max(0, cutAt + cutMs - Date.now())));
  const beforeHeal = await executions(job);
  const healedAt = Date.now();
  proxy.heal();
  await waitFor(agentHealthy, { message: 'the agent connected again', timeoutMs: 30_000 });
  // Delivered: a server acknowledged it, the journal lets it go.
  await waitFor(async () => !(await journal()).includes(id), {
    message: 'the result acknowledged by the server',
    timeoutMs: 30_000,
  });
  const reportedAfter = Date.now() - healedAt;
  const after = await executions(job);
  expect(ended.endedAt! < healedAt, 'the run ended during the cut').toBe(true);
  expect(await ledgers.runs(job), 'one run in the ledger').toHaveLength(1);
  expect(after, 'one execution').toHaveLength(1);
  expect(after[0]).toMatchObject({ id, node_name: 'cut1' });
  return { beforeHeal, after, started: started!, reportedAfter, cutMs: healedAt - cutAt };
}

/** The agent's journal of undelivered results (empty when there is none). */
async function journal(): Promise<string> {
  return readFile(join(agent.dataDir, 'agent-reports.json'), 'utf8').catch(() => '');
}

describe('drill: a plain agent cut off from its server', () => {
  it('a 3 s cut: the run goes on, the agent reports when back, recorded once', async () => {
    const { beforeHeal, after, started, reportedAfter, cutMs } = await runThroughCut('short-cut', 1, 3_000);
    expect(beforeHeal.map((e) => e.status)).toEqual(['running']);
    expect(after[0]).toMatchObject({ status: 'success', success: true });
    expect(ledgerPidOf(after[0]!)).toBe(started.pid);
    console.log(
      `[partition] ${cutMs} ms cut: running meanwhile, success recorded ${reportedAfter} ms after the heal`,
    );
  });

  it('an 8 s cut (past the heartbeat timeout): lost meanwhile, then the agent’s result replaces it, once', async () => {
    const { beforeHeal, after, started, reportedAfter, cutMs } = await runThroughCut('long-cut', 2, 8_000);
    expect(beforeHeal.map((e) => e.status)).toEqual(['lost']);
    expect(after[0]).toMatchObject({ status: 'success', success: true });
    expect(ledgerPidOf(after[0]!)).toBe(started.pid);
    console.log(
      `[partition] ${cutMs} ms cut: lost before the heal, the agent's success recorded in its place ${reportedAfter} ms after the heal`,
    );
  });
});
