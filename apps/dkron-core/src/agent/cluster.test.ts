import { createMemoryStore } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAgentConfig } from '../config/agent-config.js';
import { gateUntilFormed, type ServerCluster, serverCluster } from './cluster.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const made: ServerCluster[] = [];

function cluster(overrides: Partial<ReturnType<typeof defaultAgentConfig>>) {
  const config = { ...defaultAgentConfig('s1'), server: true, ...overrides };
  const result = serverCluster(config, createMemoryStore(), silent, '1.0.0');
  made.push(result);
  return result;
}

afterEach(async () => {
  await Promise.all(made.map((m) => m.lease?.stop()));
  made.length = 0;
});

const ok = async (_request: Request) => new Response('ok');

describe('serverCluster', () => {
  it('keeps one server its own leader without --rqlite-url (the embedded store is its own)', () => {
    const { cluster: one, lease } = cluster({ bootstrapExpect: 3 });
    expect(lease).toBeUndefined();
    expect(one.isLeader()).toBe(true);
    expect(one.members().map((m) => m.Name)).toEqual(['s1']);
  });

  it('elects over the lease with --rqlite-url: not the leader before its first round', () => {
    const { cluster: shared, lease } = cluster({ rqliteUrl: ['http://127.0.0.1:4001'] });
    expect(lease).toBe(shared);
    expect(shared.isLeader()).toBe(false);
    expect(shared.self().Tags.server).toBe('true');
  });
});

describe('gateUntilFormed', () => {
  it('answers 503 naming what it waits for until --bootstrap-expect servers registered', async () => {
    const { lease } = cluster({ rqliteUrl: ['http://127.0.0.1:4001'], bootstrapExpect: 3 });
    const gated = gateUntilFormed(ok, lease);
    const res = await gated(new Request('http://localhost/v1/jobs'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      code: 'UNAVAILABLE',
      message:
        'waiting for 3 servers to join before electing a leader (--bootstrap-expect 3); 1 registered: s1',
    });
  });

  it('passes every request through when no server count is awaited, or without the lease', async () => {
    const { lease } = cluster({ rqliteUrl: ['http://127.0.0.1:4001'], bootstrapExpect: 1 });
    expect((await gateUntilFormed(ok, lease)(new Request('http://localhost/v1/jobs'))).status).toBe(200);
    expect(gateUntilFormed(ok, undefined)).toBe(ok);
  });
});
