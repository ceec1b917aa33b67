/**
 * Every API route on every server (issue 10): two servers sharing one rqlited elect a leader, a plain agent
 * runs the jobs. Run-now, cancel, `/v1/busy` and the live output stream are called on the follower and on
 * the leader. The jobs write a ledger of their own starts (ground truth for "ran once") and wait for a gate
 * file the test creates, so a run is still running, with output, for as long as the test needs it.
 */

import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent, stopAllAgents, waitFor } from './helpers/index.js';
import { type RqliteCluster, startRqliteCluster } from './helpers/rqlite-cluster.js';

const SCRIPT = `#!/bin/sh
echo "$1 $$" >> "$2"
echo "started $1"
while [ ! -e "$3.$1" ]; do sleep 0.05; done
echo "gated $1"
`;

let dir: string;
let rqlite: RqliteCluster;
let leader: AgentHandle;
let follower: AgentHandle;

const ledger = () => join(dir, 'starts.ledger');
const gate = () => join(dir, 'gate');

function gatedJob(name: string, tags: Record<string, string> = { tier: 'remote' }) {
  return {
    name,
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command: `/bin/sh ${join(dir, 'job.sh')} ${name} ${ledger()} ${gate()}` },
    tags,
  };
}

/** The starts the job `name` wrote itself. */
async function startsOf(name: string): Promise<number> {
  let text = '';
  try {
    text = await readFile(ledger(), 'utf8');
  } catch {
    return 0;
  }
  return text.split('\n').filter((line) => line.startsWith(`${name} `)).length;
}

const openGate = (name: string) => appendFile(`${gate()}.${name}`, '');

function startServer(name: string): Promise<AgentHandle> {
  return startAgent({
    nodeName: name,
    healthTimeoutMs: 60_000,
    args: ['--rqlite-url', rqlite.flag, '--bootstrap-expect', '2', '--shutdown-timeout', '5s'],
  });
}

async function busyOn(server: AgentHandle, job: string): Promise<Execution | undefined> {
  const res = await api(server.baseUrl).get<Execution[]>('/v1/busy');
  expect(res.status, res.text).toBe(200);
  return res.body.find((e) => e.job_name === job);
}

/** Waits until `server`'s /v1/busy lists a run of `job` whose output contains `text`. */
function runningWith(server: AgentHandle, job: string, text: string): Promise<Execution> {
  return waitFor(
    async () => {
      const e = await busyOn(server, job);
      return e?.output.includes(text) ? e : undefined;
    },
    { timeoutMs: 20_000, message: `${job} running with "${text}" in ${server.nodeName}'s /v1/busy` },
  );
}

function finished(server: AgentHandle, job: string): Promise<Execution[]> {
  return waitFor(
    async () => {
      const { body } = await api(server.baseUrl).jobs.executions(job);
      return body.length > 0 && body.every((e) => e.status !== 'running') ? body : undefined;
    },
    { timeoutMs: 20_000, message: `the executions of ${job} to end` },
  );
}

interface SseEvent {
  event: string;
  data: string;
}

/** Reads an SSE body to its end, calling `onEvent` as each event arrives. */
async function readSse(res: Response, onEvent: (e: SseEvent) => void): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line === 'data:') data.push('');
      }
      if (data.length === 0) continue;
      const e = { event, data: data.join('\n') };
      events.push(e);
      onEvent(e);
    }
  }
  return events;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-remote-runs-'));
  await writeFile(join(dir, 'job.sh'), SCRIPT, { mode: 0o755 });
  rqlite = await startRqliteCluster(1);
  const servers = await Promise.all([startServer('s1'), startServer('s2')]);
  const named = await waitFor(
    async () => {
      const answers = await Promise.all(
        servers.map(async (s) => (await api(s.baseUrl).get<{ Name?: string }>('/v1/leader')).body?.Name),
      );
      return answers[0] !== undefined && answers.every((n) => n === answers[0]) ? answers[0] : undefined;
    },
    { timeoutMs: 30_000, message: 'both servers to name the same leader' },
  );
  leader = servers.find((s) => s.nodeName === named) as AgentHandle;
  follower = servers.find((s) => s.nodeName !== named) as AgentHandle;
  await startAgent({
    server: false,
    nodeName: 'remote1',
    args: ['--tag', 'tier=remote', '--join', `127.0.0.1:${leader.ports.rpc}`],
    healthTimeoutMs: 30_000,
  });
  await waitFor(
    async () => {
      const { body } = await api(leader.baseUrl).get<{ Name: string; Status: number }[]>('/v1/members');
      return body.some((m) => m.Name === 'remote1' && m.Status === 1);
    },
    { timeoutMs: 20_000, message: "remote1 alive in the leader's /v1/members" },
  );
}, 120_000);

afterAll(async () => {
  await stopAllAgents();
  await rqlite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runs on a plain agent, through either server', () => {
  it("the follower lists the leader's agents in /v1/members", async () => {
    const members = await waitFor(
      async () => {
        const { body } = await api(follower.baseUrl).get<{ Name: string; Status: number }[]>('/v1/members');
        return body.some((m) => m.Name === 'remote1') ? body : undefined;
      },
      { timeoutMs: 20_000, message: "remote1 in the follower's /v1/members" },
    );
    expect(members.map((m) => [m.Name, m.Status]).sort()).toEqual([
      ['remote1', 1],
      ['s1', 1],
      ['s2', 1],
    ]);
  });

  it('run-now on the follower runs the job once, on the agent; /v1/busy of both servers shows it live', async () => {
    const fc = api(follower.baseUrl);
    expect((await fc.jobs.save(gatedJob('rr-now'))).status).toBe(201);
    const run = await fc.jobs.run('rr-now');
    expect(run.status, run.text).toBe(200);
    for (const server of [follower, leader]) {
      const live = await runningWith(server, 'rr-now', 'started rr-now\n');
      expect(live).toMatchObject({ node_name: 'remote1', status: 'running', output: 'started rr-now\n' });
    }
    await openGate('rr-now');
    const [only, ...more] = await finished(follower, 'rr-now');
    expect(more).toEqual([]);
    expect(only).toMatchObject({
      node_name: 'remote1',
      status: 'success',
      output: 'started rr-now\ngated rr-now\n',
    });
    expect(await startsOf('rr-now')).toBe(1);
    expect(await busyOn(follower, 'rr-now')).toBeUndefined();
  });

  it('run-now on the leader and on the follower: one run each, no second run', async () => {
    const job = gatedJob('rr-both');
    await api(leader.baseUrl).jobs.save(job);
    await openGate('rr-both');
    expect((await api(leader.baseUrl).jobs.run('rr-both')).status).toBe(200);
    await waitFor(async () => ((await finished(leader, 'rr-both')).length === 1 ? true : undefined), {
      timeoutMs: 20_000,
      message: 'the first run of rr-both',
    });
    expect((await api(follower.baseUrl).jobs.run('rr-both')).status).toBe(200);
    const runs = await waitFor(
      async () => {
        const all = await finished(follower, 'rr-both');
        return all.length === 2 ? all : undefined;
      },
      { timeoutMs: 20_000, message: 'the second run of rr-both' },
    );
    expect(runs.map((e) => [e.node_name, e.status])).toEqual([
      ['remote1', 'success'],
      ['remote1', 'success'],
    ]);
    expect(await startsOf('rr-both')).toBe(2);
  });

  it("the follower's errors are the leader's: no target node is 404 with Dkron's message", async () => {
    const fc = api(follower.baseUrl);
    await fc.jobs.save(gatedJob('rr-nobody', { tier: 'gpu' }));
    const run = await fc.jobs.run('rr-nobody');
    expect(run.status).toBe(404);
    expect(run.text).toContain('no target nodes found to run job rr-nobody');
    expect((await fc.jobs.run('rr-missing')).status).toBe(404);
    expect(await startsOf('rr-nobody')).toBe(0);
  });

  it('the follower streams the live output of a run on the agent, then its end', async () => {
    await api(leader.baseUrl).jobs.save(gatedJob('rr-follow'));
    await api(leader.baseUrl).jobs.run('rr-follow');
    const running = await runningWith(leader, 'rr-follow', 'started');
    const res = await fetch(
      new URL(`/v1/jobs/rr-follow/executions/${encodeURIComponent(running.id)}/stream`, follower.baseUrl),
    );
    expect(res.status).toBe(200);
    let output = '';
    let gateOpenedAfter: string | undefined;
    const events = await readSse(res, (e) => {
      if (e.event !== 'output') return;
      output += e.data;
      // The run cannot end before the gate opens: this chunk came live, from a running execution.
      if (gateOpenedAfter === undefined && output.includes('started rr-follow')) {
        gateOpenedAfter = output;
        void openGate('rr-follow');
      }
    });
    expect(gateOpenedAfter).toBe('started rr-follow\n');
    const done = events.at(-1);
    expect(done?.event).toBe('done');
    const ended = JSON.parse(done?.data ?? '{}') as Execution;
    expect(ended).toMatchObject({ id: running.id, status: 'success', node_name: 'remote1' });
    expect(ended.output).toBe('started rr-follow\ngated rr-follow\n');
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
  });

  it('cancel on the follower stops the run on the agent; it ends cancelled and is not cancelled twice', async () => {
    const fc = api(follower.baseUrl);
    await fc.jobs.save(gatedJob('rr-cancel'));
    await fc.jobs.run('rr-cancel');
    const running = await runningWith(follower, 'rr-cancel', 'started');
    const path = `/v1/jobs/rr-cancel/executions/${encodeURIComponent(running.id)}/cancel`;
    const cancelled = await fc.post<Execution>(path);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ id: running.id, status: 'cancelled', node_name: 'remote1' });
    const [stored] = await finished(follower, 'rr-cancel');
    expect(stored).toMatchObject({ id: running.id, status: 'cancelled', success: false });
    const again = await fc.post(path);
    expect(again.status).toBe(409);
    expect(again.text).toContain('is not running (cancelled)');
    expect(await busyOn(leader, 'rr-cancel')).toBeUndefined();
    expect(await startsOf('rr-cancel')).toBe(1);
  });

  it('cancel on the leader reaches the agent too', async () => {
    const lc = api(leader.baseUrl);
    await lc.jobs.save(gatedJob('rr-cancel-l'));
    await lc.jobs.run('rr-cancel-l');
    const running = await runningWith(leader, 'rr-cancel-l', 'started');
    const res = await lc.post<Execution>(
      `/v1/jobs/rr-cancel-l/executions/${encodeURIComponent(running.id)}/cancel`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: running.id, status: 'cancelled' });
    expect((await finished(follower, 'rr-cancel-l')).map((e) => e.status)).toEqual(['cancelled']);
  });
});

describe('routes the store decides, on the follower', () => {
  it('a toggle on the follower disables the job for the leader: run-now then answers 404 on both', async () => {
    const fc = api(follower.baseUrl);
    await fc.jobs.save(gatedJob('rr-toggle'));
    const toggled = await fc.jobs.toggle('rr-toggle');
    expect(toggled.status, toggled.text).toBe(200);
    expect(toggled.body.disabled).toBe(true);
    for (const server of [follower, leader]) {
      const run = await api(server.baseUrl).jobs.run('rr-toggle');
      expect(run.status).toBe(404);
      expect(run.text).toContain('job rr-toggle is disabled');
    }
    expect(await startsOf('rr-toggle')).toBe(0);
  });

  it('deleting a job on the follower while it runs on the agent: the run ends, nothing comes back', async () => {
    const fc = api(follower.baseUrl);
    await fc.jobs.save(gatedJob('rr-delete'));
    await fc.jobs.run('rr-delete');
    const running = await runningWith(follower, 'rr-delete', 'started');
    const deleted = await fc.jobs.delete('rr-delete');
    expect(deleted.status, deleted.text).toBe(200);
    await openGate('rr-delete');
    await waitFor(async () => ((await busyOn(leader, 'rr-delete')) ? undefined : true), {
      timeoutMs: 20_000,
      message: 'the run of the deleted job to end',
    });
    expect((await fc.jobs.get('rr-delete')).status).toBe(404);
    expect((await api(leader.baseUrl).get(`/v1/jobs/rr-delete/executions/${running.id}`)).status).toBe(404);
    expect(await startsOf('rr-delete')).toBe(1);
  });
});

describe('an agent thought lost that reports after all', () => {
  it('its own end replaces the lost record of the same execution: one row, one start, no retry', async () => {
    const agent = await startAgent({
      server: false,
      nodeName: 'frozen1',
      args: ['--tag', 'tier=frozen', '--join', `127.0.0.1:${leader.ports.rpc}`],
      healthTimeoutMs: 30_000,
    });
    const lc = api(leader.baseUrl);
    // Retries left: the lost attempt is due for a retry 10 s after it was recorded lost, unless its agent
    // reported its end meanwhile.
    await lc.jobs.save({ ...gatedJob('rr-late', { tier: 'frozen' }), retries: 2, retry_backoff: '10s' });
    expect((await lc.jobs.run('rr-late')).status).toBe(200);
    const running = await runningWith(leader, 'rr-late', 'started');
    const pid = agent.proc.pid as number;
    // Frozen past the heartbeat timeout (5 s): the leader records the run lost; its shell keeps running.
    process.kill(pid, 'SIGSTOP');
    try {
      const lost = await waitFor(
        async () => {
          const { body } = await api(follower.baseUrl).jobs.executions('rr-late');
          return body.find((e) => e.id === running.id && e.status === 'lost');
        },
        { timeoutMs: 30_000, message: 'the run of the frozen agent recorded lost' },
      );
      expect(lost.node_name).toBe('frozen1');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await openGate('rr-late');
    const replaced = await waitFor(
      async () => {
        const { body } = await api(follower.baseUrl).jobs.executions('rr-late');
        return body.some((e) => e.status === 'success') ? body : undefined;
      },
      { timeoutMs: 30_000, message: "the agent's own end of rr-late" },
    );
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({
      id: running.id,
      node_name: 'frozen1',
      status: 'success',
      output: 'started rr-late\ngated rr-late\n',
    });
    expect((await lc.jobs.get('rr-late')).body).toMatchObject({ success_count: 1, error_count: 0 });
    // When the retry comes due, the leader finds the attempt ended after all and does not retry it.
    await waitFor(() => leader.logs().includes('no retry: the lost attempt reported its end after all'), {
      timeoutMs: 30_000,
      message: 'the leader to drop the retry of rr-late',
    });
    expect(await startsOf('rr-late')).toBe(1);
    expect((await api(follower.baseUrl).jobs.executions('rr-late')).body.map((e) => e.id)).toEqual([
      running.id,
    ]);
  });
});
