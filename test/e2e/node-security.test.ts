/**
 * Node-to-node mTLS (`--tls-cert`, `--tls-key`, `--tls-ca`) and SIGHUP's tag reload with the built
 * CLI: a server and plain agents on loopback, certificates made with openssl in a temp dir.
 */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeNodeCert, type TestNodeCert } from './helpers/certs.js';
import { type AgentHandle, api, freePort, startAgent, stopAllAgents, waitFor } from './helpers/index.js';
import { startRqliteCluster } from './helpers/rqlite-cluster.js';

interface MemberView {
  Name: string;
  Addr: string;
  Port: number;
  Status: number;
  Tags: Record<string, string>;
}

let dir: string;
let certs: { server: TestNodeCert; agent: TestNodeCert; rogue: TestNodeCert; expired: TestNodeCert };

const tlsArgs = (c: TestNodeCert) => ['--tls-cert', c.cert, '--tls-key', c.key, '--tls-ca', c.ca];

function startPlain(name: string, server: AgentHandle, args: readonly string[] = []): Promise<AgentHandle> {
  return startAgent({
    server: false,
    nodeName: name,
    args: ['--join', `127.0.0.1:${server.ports.rpc}`, ...args],
    healthTimeoutMs: 20_000,
  });
}

async function members(server: AgentHandle): Promise<Map<string, MemberView>> {
  const { body } = await api(server.baseUrl).get<MemberView[]>('/v1/members');
  return new Map(body.map((m) => [m.Name, m]));
}

/** Runs `job` (a shell echo targeting `tags`) now and resolves with its finished execution. */
async function runOnce(server: AgentHandle, job: string, tags: Record<string, string>): Promise<Execution> {
  const client = api(server.baseUrl);
  const saved = await client.jobs.save({
    name: job,
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command: `echo ran ${job}` },
    tags,
  });
  expect(saved.status).toBe(201);
  expect((await client.jobs.run(job)).status).toBe(200);
  return waitFor(async () => (await client.jobs.executions(job)).body.find((e) => e.status !== 'running'), {
    message: `a finished execution of ${job}`,
    timeoutMs: 20_000,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-e2e-node-tls-'));
  const ca = await makeCa(dir, 'cluster-ca');
  const other = await makeCa(dir, 'other-ca');
  certs = {
    server: await makeNodeCert(ca, 's1'),
    agent: await makeNodeCert(ca, 'a1'),
    rogue: await makeNodeCert(other, 'rogue'),
    expired: await makeNodeCert(ca, 'stale', { expired: true }),
  };
}, 30_000);

afterAll(async () => {
  await stopAllAgents();
  await rm(dir, { recursive: true, force: true });
});

describe('node-to-node mTLS', () => {
  it('lets an agent with a certificate of the CA join and run work; refuses every other', async () => {
    const server = await startAgent({ nodeName: 's1', args: tlsArgs(certs.server) });
    expect(server.logs()).toMatch(/"mtls":true/);
    // Its embedded rqlited got the same files for its node-to-node (Raft) traffic.
    expect(await readFile(join(server.dataDir, 'rqlited.log'), 'utf8')).toContain(
      `enabling node-to-node encryption with cert: ${certs.server.cert}, key: ${certs.server.key}, CA cert ${certs.server.ca}, mutual TLS enabled`,
    );
    await startPlain('a1', server, [...tlsArgs(certs.agent), '--tag', 'tier=web']);
    expect((await members(server)).get('a1')).toMatchObject({ Status: 1, Tags: { tier: 'web' } });
    const run = await runOnce(server, 'on-a1', { tier: 'web:1' });
    expect(run).toMatchObject({ node_name: 'a1', success: true });
    expect(run.output).toContain('ran on-a1');

    await expect(startPlain('plain', server)).rejects.toThrow(/could not join a server \(1 attempt\)/);
    // Trusts the cluster's CA, presents a certificate of another: the server refuses it.
    await expect(
      startPlain('rogue', server, [
        '--tls-cert',
        certs.rogue.cert,
        '--tls-key',
        certs.rogue.key,
        '--tls-ca',
        certs.agent.ca,
      ]),
    ).rejects.toThrow(/could not join a server.*--tls-cert: the server must present/);
    // An expired certificate is refused at start, naming the option (the server would refuse it too).
    await expect(startPlain('stale', server, tlsArgs(certs.expired))).rejects.toThrow(
      /--tls-cert: the certificate in \S+ is not valid now/,
    );
    expect([...(await members(server)).keys()].sort()).toEqual(['a1', 's1']);
  }, 120_000);

  it('makes an agent requiring TLS refuse a server without it', async () => {
    const server = await startAgent({ nodeName: 's-plain' });
    await expect(startPlain('a1', server, tlsArgs(certs.agent))).rejects.toThrow(
      /could not join a server.*wrong version number/,
    );
    expect([...(await members(server)).keys()]).toEqual(['s-plain']);
  }, 60_000);

  it('refuses a start with only some of the three options, naming them', async () => {
    await expect(
      startAgent({ nodeName: 's-half', args: ['--tls-cert', certs.server.cert], healthTimeoutMs: 15_000 }),
    ).rejects.toThrow(/tls-cert, tls-key and tls-ca go together/);
  }, 30_000);
});

describe('SIGHUP reloads tags', () => {
  it('re-reads the config file: an agent re-announces its tags, a server updates its own, jobs follow', async () => {
    const serverConfig = join(dir, 'server.json');
    const agentConfig = join(dir, 'agent.json');
    await writeFile(serverConfig, JSON.stringify({ tags: { zone: 'a' } }));
    await writeFile(agentConfig, JSON.stringify({ tags: { tier: 'old' } }));
    const server = await startAgent({ nodeName: 's-hup', args: ['--config', serverConfig] });
    const agent = await startPlain('a-hup', server, ['--config', agentConfig]);
    expect((await members(server)).get('a-hup')?.Tags.tier).toBe('old');

    await writeFile(agentConfig, JSON.stringify({ tags: { tier: 'new', extra: 'yes' } }));
    agent.proc.kill('SIGHUP');
    const retagged = await waitFor(
      async () => {
        const m = (await members(server)).get('a-hup');
        return m?.Tags.tier === 'new' ? m : undefined;
      },
      { message: 'a-hup listed with tier=new', timeoutMs: 15_000 },
    );
    expect(retagged.Tags).toMatchObject({ tier: 'new', extra: 'yes', role: 'dkron', dc: 'dc1' });
    expect(retagged.Status).toBe(1);
    const run = await runOnce(server, 'on-new-tier', { tier: 'new:1' });
    expect(run).toMatchObject({ node_name: 'a-hup', success: true });

    await writeFile(serverConfig, JSON.stringify({ tags: { zone: 'b' }, 'log-level': 'debug' }));
    server.proc.kill('SIGHUP');
    await waitFor(async () => ((await members(server)).get('s-hup')?.Tags.zone === 'b' ? true : undefined), {
      message: 's-hup listed with zone=b',
      timeoutMs: 15_000,
    });
    expect(server.logs()).toMatch(/SIGHUP reloads tags only; restart the agent to apply: log-level/);
    expect((await runOnce(server, 'on-zone-b', { zone: 'b' })).node_name).toBe('s-hup');

    // A config that does not load changes nothing and says why.
    await writeFile(agentConfig, JSON.stringify({ tags: { role: 'mine' } }));
    agent.proc.kill('SIGHUP');
    await waitFor(() => (agent.logs().includes('reload failed') ? true : undefined), {
      message: 'the failed reload logged',
      timeoutMs: 15_000,
    });
    expect((await members(server)).get('a-hup')?.Tags.tier).toBe('new');
  }, 120_000);
});

describe("Dkron's node flags on a plain agent", () => {
  it('--datacenter, --region and --advertise-addr show in /v1/members; runs stay in the region', async () => {
    const server = await startAgent({ nodeName: 's-flags' });
    await startPlain('a-eu', server, [
      '--datacenter',
      'dc9',
      '--region',
      'eu',
      '--advertise-addr',
      '127.0.0.9:7946',
      '--tag',
      'tier=far',
    ]);
    await startPlain('a-home', server, ['--datacenter', 'dc2', '--tag', 'tier=near']);
    const listed = await members(server);
    expect(listed.get('a-eu')).toMatchObject({
      Addr: '127.0.0.9',
      Port: 7946,
      Tags: { dc: 'dc9', region: 'eu' },
    });
    expect(listed.get('a-home')?.Tags).toMatchObject({ dc: 'dc2', region: 'global' });
    expect((await runOnce(server, 'near', { tier: 'near' })).node_name).toBe('a-home');
    // The server leads region global: an agent of region eu is never a target (Dkron's rule).
    const client = api(server.baseUrl);
    await client.jobs.save({
      name: 'far',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'echo far' },
      tags: { tier: 'far' },
    });
    const far = await client.jobs.run('far');
    expect(far.status).toBe(404);
    expect(far.text).toMatch(/no target nodes found to run job far/);
  }, 90_000);

  it('--retry-join retries every --retry-interval until a server is there', async () => {
    const rpc = await freePort();
    let health = '';
    const joining = startAgent({
      server: false,
      nodeName: 'a-early',
      args: ['--retry-join', `127.0.0.1:${rpc}`, '--retry-interval', '200ms', '--retry-max', '0'],
      healthTimeoutMs: 90_000,
      // Learns the agent's --http-addr from its command line, to see it up before it is connected.
      launcher: ([command, ...args]) => {
        health = args[args.indexOf('--http-addr') + 1] ?? '';
        return { command: command as string, args };
      },
    });
    // The agent is up and not connected (its first attempt found no server) before the server starts.
    await waitFor(
      async () => {
        const status = await fetch(`http://${health}/health`).then(
          (r) => r.status,
          () => undefined,
        );
        return status === 503 ? true : undefined;
      },
      { message: 'the agent answering 503 (not connected)', timeoutMs: 60_000 },
    );
    const server = await startAgent({ nodeName: 's-late', args: ['--rpc-port', String(rpc)] });
    const agent = await joining;
    expect(agent.logs()).toMatch(/could not join a server; retrying/);
    expect((await members(server)).get('a-early')?.Status).toBe(1);
  }, 120_000);

  it('--retry-max gives up after that many attempts, naming each answer', async () => {
    const nobody = await freePort();
    const began = Date.now();
    await expect(
      startAgent({
        server: false,
        nodeName: 'a-alone',
        args: ['--retry-join', `127.0.0.1:${nobody}`, '--retry-interval', '300ms', '--retry-max', '3'],
        healthTimeoutMs: 60_000,
      }),
    ).rejects.toThrow(new RegExp(`could not join a server \\(3 attempts\\): 127\\.0\\.0\\.1:${nobody}: `));
    // Two waits of --retry-interval between the three attempts.
    expect(Date.now() - began).toBeGreaterThanOrEqual(600);
  }, 90_000);
});

describe('two servers with mTLS', () => {
  it("a follower reaches the leader over mTLS: it lists the leader's agents and its /v1/busy works", async () => {
    const rqlite = await startRqliteCluster(1);
    try {
      const start = (name: string) =>
        startAgent({
          nodeName: name,
          healthTimeoutMs: 60_000,
          args: ['--rqlite-url', rqlite.flag, '--bootstrap-expect', '2', ...tlsArgs(certs.server)],
        });
      const servers = await Promise.all([start('m1'), start('m2')]);
      const leaderName = await waitFor(
        async () => {
          const names = await Promise.all(
            servers.map(async (s) => (await api(s.baseUrl).get<{ Name?: string }>('/v1/leader')).body?.Name),
          );
          return names[0] !== undefined && names.every((n) => n === names[0]) ? names[0] : undefined;
        },
        { timeoutMs: 30_000, message: 'both servers naming the same leader' },
      );
      const leader = servers.find((s) => s.nodeName === leaderName) as AgentHandle;
      const follower = servers.find((s) => s.nodeName !== leaderName) as AgentHandle;
      await startPlain('m-agent', leader, tlsArgs(certs.agent));
      const listed = await waitFor(
        async () => {
          const m = (await members(follower)).get('m-agent');
          return m?.Status === 1 ? m : undefined;
        },
        { timeoutMs: 20_000, message: "m-agent in the follower's /v1/members" },
      );
      expect(listed.Name).toBe('m-agent');
      const busy = await api(follower.baseUrl).get('/v1/busy');
      expect(busy.status, busy.text).toBe(200);
    } finally {
      await stopAllAgents();
      await rqlite.stop();
    }
  }, 180_000);
});
