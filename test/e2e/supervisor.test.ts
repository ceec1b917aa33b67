/**
 * Running under a supervisor: what the agent logs at start, a terminal's Ctrl-C, and an agent started
 * through an npm-like launcher (`npx dkron-core agent`) that is stopped or killed by its pid.
 */

import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Execution } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import {
  alive,
  childrenOf,
  restartAgent,
  save,
  shellJob,
  waitExecutions,
} from '../fixtures/lifecycle/helpers.js';
import { type AgentHandle, api, startAgent, waitFor } from './helpers/index.js';

const FAKE_NPM = fileURLToPath(new URL('./helpers/fixtures/fake-npm.mjs', import.meta.url));

interface LogLine {
  readonly msg: string;
  readonly level: string;
  readonly [field: string]: unknown;
}

/** The agent's JSON log lines. */
function lines(agent: AgentHandle): LogLine[] {
  return agent
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

const rqlitedPid = (agent: AgentHandle) =>
  lines(agent).find((l) => l.msg === 'embedded rqlite ready')?.pid as number;

describe('start-up log', () => {
  it('names the absolute data dir, the API URL, and says "embedded rqlite ready" once', async () => {
    const agent = await startAgent({ args: ['--data-dir', 'relative-data'] });
    const started = await waitFor(
      () => lines(agent).find((l) => l.msg.startsWith('dkron-core agent started')),
      {
        message: 'the started line',
      },
    );
    expect(started.msg).toBe(`dkron-core agent started: API ${agent.baseUrl}/v1/, UI ${agent.baseUrl}/ui/`);
    expect(started).toMatchObject({
      api: `${agent.baseUrl}/v1/`,
      listen: agent.baseUrl.slice('http://'.length),
    });
    const dataDir = started.dataDir as string;
    expect(isAbsolute(dataDir) && dataDir.endsWith('/relative-data'), dataDir).toBe(true);
    expect(existsSync(`${dataDir}/rqlite`)).toBe(true);
    expect(lines(agent).some((l) => l.msg === `data dir ${dataDir}`)).toBe(true);
    expect(lines(agent).filter((l) => l.msg === 'embedded rqlite ready')).toHaveLength(1);
    await agent.stop();
  });
});

describe('Ctrl-C in a terminal', () => {
  it('stops gracefully after the running job; rqlited, in its own process group, outlives the wait', async () => {
    const agent = await startAgent();
    const client = api(agent.baseUrl);
    await save(
      client,
      shellJob('ctrl-c', '', { executor_config: { command: 'sleep 2; echo done', shell: 'true' } }),
    );
    expect((await client.jobs.run('ctrl-c')).status).toBe(200);
    const [running] = await waitExecutions(client, 'ctrl-c', 1, (e) => e.status === 'running');
    const rqlited = rqlitedPid(agent);
    // A terminal sends SIGINT to the whole foreground process group; the helper gives the agent its own.
    process.kill(-(agent.proc.pid as number), 'SIGINT');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    expect(agent.logs()).toContain('"msg":"stopped"');
    expect(agent.logs()).not.toContain('exited unexpectedly');
    await waitFor(() => !alive(rqlited), { message: 'rqlited gone' });
    // The store was there to the end: the run that finished during the graceful stop is recorded.
    const again = await restartAgent(agent);
    const recorded = await api(again.baseUrl).get<Execution>(`/v1/jobs/ctrl-c/executions/${running!.id}`);
    expect(recorded.body).toMatchObject({ status: 'success', output: 'done\n' });
    await again.stop();
  });
});

describe('started through an npm-like launcher (npx dkron-core agent)', () => {
  /** The launcher, its shell and the agent below it. */
  async function launched() {
    const agent = await startAgent({
      launcher: (argv) => ({ command: process.execPath, args: [FAKE_NPM, ...argv] }),
    });
    const launcher = agent.proc.pid as number;
    const [shell] = childrenOf(launcher);
    const [node] = childrenOf(shell!.pid);
    expect(shell?.cmd).toMatch(/^sh -c /);
    expect(node?.cmd).toContain('dkron-core.js agent');
    return { agent, launcher, shell: shell!.pid, node: node!.pid, rqlited: rqlitedPid(agent) };
  }

  async function expectGracefulStop(run: Awaited<ReturnType<typeof launched>>, reason: RegExp) {
    await waitFor(() => !alive(run.node), { timeoutMs: 20_000, message: 'the agent process gone' });
    const log = lines(run.agent);
    expect(log.find((l) => l.level === 'warn' && reason.test(l.msg))?.msg).toMatch(
      /shutting down gracefully/,
    );
    expect(log.some((l) => l.msg === 'stopped')).toBe(true);
    await waitFor(() => !alive(run.rqlited), { message: 'rqlited gone' });
    expect((await fetch(`${run.agent.baseUrl}/health`).catch((e: Error) => e)) instanceof Error).toBe(true);
  }

  it('stops gracefully on SIGTERM to the launcher, which the shell does not pass on', async () => {
    const run = await launched();
    process.kill(run.launcher, 'SIGTERM');
    await expectGracefulStop(run, /launched the agent exited/);
  });

  it('stops gracefully when the launcher is SIGKILLed and its shell lives on', async () => {
    const run = await launched();
    process.kill(run.launcher, 'SIGKILL');
    await waitFor(() => !alive(run.launcher), { message: 'the launcher gone' });
    await expectGracefulStop(run, new RegExp(`\\(pid ${run.launcher}\\) that launched the agent exited`));
  });
});
