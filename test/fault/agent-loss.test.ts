/**
 * Drills of plain agents over gRPC (issue 10), with the built CLI on loopback:
 * - `kill -9` of an agent mid-run: its execution is `lost` within the heartbeat timeout (5 s), and the
 *   job's retry runs on the other agent its tags select;
 * - the server restarts while an agent runs a job: the agent keeps running it, reconnects, and the
 *   result is recorded once.
 */

import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { restartAgent } from '../fixtures/lifecycle/helpers.js';

/** The server's heartbeat timeout (DEFAULT_HEARTBEAT_TIMEOUT_MS) and its sweep interval. */
const HEARTBEAT_TIMEOUT_MS = 5_000;
const SWEEP_MS = 1_000;

afterAll(async () => {
  await stopAllAgents();
});

function startPlain(name: string, server: AgentHandle, tags: readonly string[]): Promise<AgentHandle> {
  return startAgent({
    server: false,
    nodeName: name,
    args: ['--retry-join', `127.0.0.1:${server.ports.rpc}`, '--retry-interval', '200ms', ...tags],
  });
}

const sleepJob = (name: string, seconds: number, tags: Record<string, string>, retries = 0) => ({
  name,
  schedule: '@manually',
  executor: 'shell',
  executor_config: { command: `echo started; sleep ${seconds}; echo finished`, shell: 'true' },
  tags,
  retries,
});

async function executions(server: AgentHandle, job: string): Promise<Execution[]> {
  return (await api(server.baseUrl).jobs.executions(job)).body;
}

describe('agent loss', () => {
  it('kill -9 of an agent mid-run: lost within the heartbeat timeout, retried on the other agent', async () => {
    const server = await startAgent({ nodeName: 's1' });
    const [a1, a2] = await Promise.all([
      startPlain('a1', server, ['--tag', 'tier=w']),
      startPlain('a2', server, ['--tag', 'tier=w']),
    ]);
    const client = api(server.baseUrl);
    await client.jobs.save(sleepJob('doomed-run', 2, { tier: 'w:1' }, 1));
    expect((await client.jobs.run('doomed-run')).status).toBe(200);
    const first = await waitFor(
      async () => (await executions(server, 'doomed-run')).find((e) => e.status === 'running'),
      { message: 'the first attempt running' },
    );
    const victim = first.node_name === 'a1' ? a1 : a2;
    const survivor = victim === a1 ? 'a2' : 'a1';
    const killedAt = Date.now();
    await victim.kill9();

    const lost = await waitFor(
      async () =>
        (await executions(server, 'doomed-run')).find((e) => e.id === first.id && e.status === 'lost'),
      { message: 'the killed agent’s execution lost', timeoutMs: 15_000, intervalMs: 50 },
    );
    const lostAfterMs = Date.now() - killedAt;
    console.log(`execution lost ${lostAfterMs} ms after kill -9 of its agent`);
    expect(lostAfterMs).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + SWEEP_MS + 500);
    expect(lost.output).toMatch(
      new RegExp(`execution lost: agent ${first.node_name} sent no heartbeat for \\d+ s`),
    );

    const retry = await waitFor(
      async () =>
        (await executions(server, 'doomed-run')).find((e) => e.attempt === 2 && e.status !== 'running'),
      { message: 'the retry finished', timeoutMs: 15_000 },
    );
    expect(retry).toMatchObject({ node_name: survivor, status: 'success', output: 'started\nfinished\n' });
    const members = (await client.get<{ Name: string; statusText: string }[]>('/v1/members')).body;
    expect(members.find((m) => m.Name === first.node_name)?.statusText).toBe('failed');
    await server.stop();
  });

  it('the server restarts while an agent runs: the run goes on and its result is recorded once', async () => {
    const server = await startAgent({ nodeName: 's1', args: ['--shutdown-timeout', '1s'] });
    const agent = await startPlain('p1', server, ['--tag', 'tier=p']);
    const client = api(server.baseUrl);
    await client.jobs.save(sleepJob('through-restart', 4, { tier: 'p' }));
    await client.jobs.run('through-restart');
    const running = await waitFor(
      async () => (await executions(server, 'through-restart')).find((e) => e.status === 'running'),
      { message: 'the run started' },
    );
    await server.stop();
    const again = await restartAgent(server, ['--shutdown-timeout', '1s']);
    const done = await waitFor(
      async () => (await executions(again, 'through-restart')).find((e) => e.status !== 'running'),
      { message: 'the result recorded after the restart', timeoutMs: 20_000 },
    );
    expect(done).toMatchObject({
      id: running.id,
      node_name: 'p1',
      status: 'success',
      output: 'started\nfinished\n',
    });
    expect(await executions(again, 'through-restart')).toHaveLength(1);
    expect(agent.logs()).toMatch(/lost the connection to the server/);
    expect(agent.logs()).toMatch(/connected to server/);
    await waitFor(async () => (await fetch(`${agent.baseUrl}/health`)).status === 200, {
      message: 'the agent healthy again',
    });
  });
});
