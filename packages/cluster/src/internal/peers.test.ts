import { afterEach, describe, expect, it } from 'vitest';
import {
  askJoinInfo,
  callPeer,
  createPeersService,
  type JoinInfo,
  JoinInfoError,
  listenPeers,
  type PeersAdmin,
} from './peers.js';

const KEY = 'kPpdjphiipNSsjd4QHWbkA==';
const WRONG = 'AAAAAAAAAAAAAAAAAAAAAA==';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const info: JoinInfo = {
  name: 's1',
  raftAddr: '127.0.0.1:4002',
  httpAddr: '127.0.0.1:4001',
  version: '1.2.3',
  bootstrapExpect: 3,
};

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function serve(key: string, admin?: PeersAdmin): Promise<string> {
  const service = createPeersService({ key, logger: quiet, info: () => info, admin: () => admin });
  const listener = await listenPeers({ host: '127.0.0.1', port: 0, service });
  stops.push(listener.stop);
  return `127.0.0.1:${listener.port}`;
}

const asker = { nodeName: 's2', version: '1.2.3', key: KEY };

describe('ServerPeers', () => {
  it('answers a signed JoinInfo with where its rqlited is', async () => {
    const address = await serve(KEY);
    expect(await askJoinInfo(address, asker)).toEqual(info);
  });

  it('refuses a call signed with another key, and the caller sees a final refusal', async () => {
    const address = await serve(KEY);
    const error = await askJoinInfo(address, { ...asker, key: WRONG }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinInfoError);
    expect((error as JoinInfoError).refused).toBe(true);
    expect((error as JoinInfoError).message).toBe(
      `${address}: refused by s1: wrong --encrypt key (the call signature does not match)`,
    );
  });

  it('is no final refusal when nothing answers (the server may not be up yet)', async () => {
    const error = await askJoinInfo('127.0.0.1:1', { ...asker, timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinInfoError);
    expect((error as JoinInfoError).refused).toBe(false);
  });

  it('answers UNAVAILABLE to administration while the server is still joining', async () => {
    const address = await serve(KEY);
    await expect(callPeer(address, 'ListPeers', {}, asker)).rejects.toThrow(
      's1 is still joining the cluster',
    );
  });

  it('lists and removes peers through the admin, refusing an empty id', async () => {
    const removed: string[] = [];
    const address = await serve(KEY, {
      listPeers: async () => [
        { id: 's1', address: '127.0.0.1:4002', leader: true, voter: true, reachable: true },
      ],
      removePeer: async (id) => {
        removed.push(id);
      },
      leave: async () => {},
    });
    const { reply } = await callPeer(address, 'ListPeers', {}, asker);
    expect(reply.peers).toEqual([
      { id: 's1', address: '127.0.0.1:4002', leader: true, voter: true, reachable: true },
    ]);
    await callPeer(address, 'RemovePeer', { id: 's3' }, asker);
    expect(removed).toEqual(['s3']);
    await expect(callPeer(address, 'RemovePeer', { id: '' }, asker)).rejects.toThrow(
      'remove-peer needs a peer id',
    );
    expect((await callPeer(address, 'Leave', {}, asker)).reply).toEqual({ name: 's1' });
  });
});
