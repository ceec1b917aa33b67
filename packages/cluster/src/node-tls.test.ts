/**
 * Node-to-node mTLS over real gRPC on loopback, with openssl-made certificates: an agent with a
 * certificate of the cluster's CA joins and runs work; every other one is refused before it can
 * announce itself, and an agent requiring TLS refuses a server without it.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Agent,
  createAgent,
  createLocalCluster,
  createMemoryStore,
  createPluginRegistry,
  type MemoryStore,
} from '@dkron-core/kernel';
import { c, definePlugin, type Logger } from '@dkron-core/plugin-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeNodeCert, type TestNodeCert } from '../../../test/e2e/helpers/certs.js';
import {
  askJoinInfo,
  type ClusterServer,
  createAgentNode,
  createClusterServer,
  createPeersService,
  listenPeers,
  type NodeTls,
} from './index.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let good: { server: TestNodeCert; agent: TestNodeCert };
let otherCa: TestNodeCert;
let expired: TestNodeCert;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-node-tls-'));
  const ca = await makeCa(dir, 'cluster-ca');
  const rogue = await makeCa(dir, 'rogue-ca');
  good = { server: await makeNodeCert(ca, 's1'), agent: await makeNodeCert(ca, 'a1') };
  otherCa = await makeNodeCert(rogue, 'a2');
  expired = await makeNodeCert(ca, 'a3', { expired: true });
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** Reads a certificate's files; `ca` may come from another certificate (a node trusting another CA). */
async function tlsOf(files: TestNodeCert, ca = files.ca): Promise<NodeTls> {
  return { cert: await readFile(files.cert), key: await readFile(files.key), ca: await readFile(ca) };
}

function echoPlugin() {
  return definePlugin({
    name: 'echo-executor',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'echo',
        config: c.object({ text: c.string() }),
        async execute(req, ctx) {
          ctx.output.write(`${req.config.text} on the agent\n`);
          return { success: true };
        },
      });
    },
  });
}

async function startServer(tls: NodeTls | undefined): Promise<{
  agent: Agent;
  store: MemoryStore;
  cluster: ClusterServer;
  port: number;
}> {
  const registry = createPluginRegistry({ nodeName: 's1', logger: silent });
  const cluster = createClusterServer({
    nodeName: 's1',
    base: createLocalCluster({ nodeName: 's1', server: true, version: 'test' }),
    logger: silent,
    host: '127.0.0.1',
    port: 0,
    ...(tls ? { tls } : {}),
  });
  const store = createMemoryStore();
  const agent = createAgent({
    nodeName: 's1',
    version: 'test',
    store,
    registry,
    logger: silent,
    cluster: cluster.cluster,
    dispatcher: (local) => cluster.dispatcher(local),
    remoteExecutors: () => new Set(cluster.plugins().executors),
  });
  await agent.start();
  const port = await cluster.start(agent.reports);
  cleanups.push(async () => {
    await cluster.stop();
    await agent.stop({ timeoutMs: 1_000 });
  });
  return { agent, store, cluster, port };
}

/** Starts a plain agent named `name` joining the server on `port`; resolves when it joined. */
async function startNode(name: string, port: number, tls: NodeTls | undefined): Promise<void> {
  const registry = createPluginRegistry({ nodeName: name, logger: silent });
  await registry.register(echoPlugin());
  const dataDir = await mkdtemp(join(tmpdir(), 'dkron-node-tls-agent-'));
  const node = createAgentNode({
    member: createLocalCluster({
      nodeName: name,
      server: false,
      version: 'test',
      tags: { tier: name },
    }).self(),
    version: 'test',
    registry,
    logger: silent,
    join: [`127.0.0.1:${port}`],
    journalPath: join(dataDir, 'agent-reports.json'),
    ...(tls ? { tls } : {}),
  });
  cleanups.push(async () => {
    await node.stop(500);
    await rm(dataDir, { recursive: true, force: true });
  });
  await node.start();
}

async function memberNames(agent: Agent): Promise<string[]> {
  return (await agent.members()).map((m) => m.Name).sort();
}

describe('node-to-node mTLS', () => {
  it('lets an agent with a certificate of the CA join and run the work it is sent', async () => {
    const s = await startServer(await tlsOf(good.server));
    await startNode('a1', s.port, await tlsOf(good.agent));
    expect(await memberNames(s.agent)).toEqual(['a1', 's1']);
    await s.agent.saveJob({
      name: 'on-a1',
      schedule: '@manually',
      executor: 'echo',
      executor_config: { text: 'hi' },
      tags: { tier: 'a1:1' },
    });
    await s.agent.runJob('on-a1');
    const deadline = Date.now() + 10_000;
    let done: { node_name: string; success: boolean; output: string } | undefined;
    while (!done && Date.now() < deadline) {
      const page = await s.store.listExecutions('on-a1', {});
      done = page.executions.find((e) => e.status !== 'running');
      if (!done) await new Promise((r) => setTimeout(r, 20));
    }
    expect(done).toMatchObject({ node_name: 'a1', success: true });
    expect(done?.output).toContain('hi on');
  });

  it('refuses an agent without a certificate', async () => {
    const s = await startServer(await tlsOf(good.server));
    await expect(startNode('plain', s.port, undefined)).rejects.toThrow(/could not join a server/);
    expect(await memberNames(s.agent)).toEqual(['s1']);
  });

  it('refuses an agent whose certificate another CA signed', async () => {
    const s = await startServer(await tlsOf(good.server));
    // The agent trusts the cluster CA (so it accepts the server) but presents the rogue CA's certificate.
    await expect(startNode('rogue', s.port, await tlsOf(otherCa, good.agent.ca))).rejects.toThrow(
      /could not join a server.*--tls-cert/,
    );
    expect(await memberNames(s.agent)).toEqual(['s1']);
  });

  it('refuses an agent whose certificate expired', async () => {
    const s = await startServer(await tlsOf(good.server));
    await expect(startNode('stale', s.port, await tlsOf(expired))).rejects.toThrow(/could not join a server/);
    expect(await memberNames(s.agent)).toEqual(['s1']);
  });

  it('makes an agent requiring TLS refuse a server without it', async () => {
    const s = await startServer(undefined);
    await expect(startNode('a1', s.port, await tlsOf(good.agent))).rejects.toThrow(
      /could not join a server.*wrong version number/,
    );
    expect(await memberNames(s.agent)).toEqual(['s1']);
  });

  it('makes an agent refuse a server whose certificate another CA signed', async () => {
    const s = await startServer(await tlsOf(otherCa, good.agent.ca));
    await expect(startNode('a1', s.port, await tlsOf(good.agent))).rejects.toThrow(
      /could not join a server.*unable to verify/,
    );
    expect(await memberNames(s.agent)).toEqual(['s1']);
  });
});

describe('servers learning each other over mTLS (ServerPeers)', () => {
  const KEY = 'kPpdjphiipNSsjd4QHWbkA==';
  const info = {
    name: 's1',
    raftAddr: '127.0.0.1:4002',
    httpAddr: '127.0.0.1:4001',
    version: '1',
    bootstrapExpect: 3,
  };

  async function servePeers(tls: NodeTls): Promise<string> {
    const service = createPeersService({ key: KEY, logger: silent, info: () => info });
    const listener = await listenPeers({ host: '127.0.0.1', port: 0, service, tls });
    cleanups.push(listener.stop);
    return `127.0.0.1:${listener.port}`;
  }

  it('answers a server with a certificate of the CA', async () => {
    const address = await servePeers(await tlsOf(good.server));
    const asked = await askJoinInfo(address, {
      nodeName: 's2',
      version: '1',
      key: KEY,
      tls: await tlsOf(good.agent),
    });
    expect(asked).toEqual(info);
  });

  it('refuses a server without a certificate, or with one of another CA', async () => {
    const address = await servePeers(await tlsOf(good.server));
    await expect(askJoinInfo(address, { nodeName: 's2', version: '1', key: KEY })).rejects.toThrow();
    await expect(
      askJoinInfo(address, {
        nodeName: 's3',
        version: '1',
        key: KEY,
        tls: await tlsOf(otherCa, good.agent.ca),
      }),
    ).rejects.toThrow();
  });
});
