/**
 * An agent's new tags (SIGHUP): sent over its open link, listed and targeted at once, and announced
 * again to a server that restarted. Real gRPC on loopback.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Agent,
  createAgent,
  createLocalCluster,
  createMemoryStore,
  createPluginRegistry,
} from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { type AgentNode, type ClusterServer, createAgentNode, createClusterServer } from './index.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function startServer(
  port = 0,
): Promise<{ agent: Agent; cluster: ClusterServer; port: number; stop(): Promise<void> }> {
  const cluster = createClusterServer({
    nodeName: 's1',
    base: createLocalCluster({ nodeName: 's1', server: true, version: 'test' }),
    logger: silent,
    host: '127.0.0.1',
    port,
  });
  const agent = createAgent({
    nodeName: 's1',
    version: 'test',
    store: createMemoryStore(),
    registry: createPluginRegistry({ nodeName: 's1', logger: silent }),
    logger: silent,
    cluster: cluster.cluster,
    dispatcher: (local) => cluster.dispatcher(local),
  });
  await agent.start();
  const bound = await cluster.start(agent.reports);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await cluster.stop();
    await agent.stop({ timeoutMs: 1_000 });
  };
  cleanups.push(stop);
  return { agent, cluster, port: bound, stop };
}

async function startNode(
  port: number,
): Promise<{ node: AgentNode; local: ReturnType<typeof createLocalCluster> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dkron-retag-'));
  const local = createLocalCluster({ nodeName: 'a1', server: false, version: 'test', tags: { tier: 'old' } });
  const node = createAgentNode({
    member: local.self(),
    version: 'test',
    registry: createPluginRegistry({ nodeName: 'a1', logger: silent }),
    logger: silent,
    join: [`127.0.0.1:${port}`],
    journalPath: join(dataDir, 'agent-reports.json'),
  });
  cleanups.push(async () => {
    await node.stop(500);
    await rm(dataDir, { recursive: true, force: true });
  });
  await node.start();
  return { node, local };
}

async function until<T>(what: string, fn: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tierOf = (cluster: ClusterServer) => cluster.cluster.members().find((m) => m.Name === 'a1')?.Tags.tier;

describe('retag', () => {
  it('sends the new tags over the open link, and announces them to a restarted server', async () => {
    const first = await startServer();
    const { node, local } = await startNode(first.port);
    expect(tierOf(first.cluster)).toBe('old');

    local.retag?.({ tier: 'new' });
    node.retag(local.self().Tags);
    await until('tier=new on the server', () => (tierOf(first.cluster) === 'new' ? true : undefined));
    expect(first.cluster.cluster.candidates().find((c) => c.name === 'a1')?.tags).toMatchObject({
      tier: 'new',
      role: 'dkron',
    });

    await first.stop();
    local.retag?.({ tier: 'newer' });
    node.retag(local.self().Tags);
    const second = await startServer(first.port);
    await until('a1 announced to the restarted server', () => (tierOf(second.cluster) ? true : undefined));
    expect(tierOf(second.cluster)).toBe('newer');
  }, 60_000);
});
