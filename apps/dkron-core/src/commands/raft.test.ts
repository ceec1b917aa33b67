import { describe, expect, it } from 'vitest';
import { formatPeers } from './raft.js';

describe('raft list-peers', () => {
  it("prints Dkron's columns, padded", () => {
    const text = formatPeers([
      { id: 's1', address: '10.0.0.1:4002', leader: true, voter: true, reachable: true },
      { id: 'server-2', address: '10.0.0.2:4002', leader: false, voter: false, reachable: true },
    ]);
    expect(text).toBe(
      [
        'Node      ID        Address        State     Voter',
        's1        s1        10.0.0.1:4002  leader    true',
        'server-2  server-2  10.0.0.2:4002  follower  false',
        '',
      ].join('\n'),
    );
  });
});
