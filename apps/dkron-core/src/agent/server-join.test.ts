import { describe, expect, it } from 'vitest';
import { defaultAgentConfig } from '../config/agent-config.js';
import {
  checkServerJoin,
  clusterPassword,
  joinsServers,
  serverJoinAddresses,
  withRpcPort,
} from './server-join.js';

const KEY = 'kPpdjphiipNSsjd4QHWbkA==';
const base = { ...defaultAgentConfig('s1'), server: true };

describe('server join', () => {
  it('joins with --join or --retry-join on the embedded store only', () => {
    expect(joinsServers({ ...base, join: ['s2:6868'] })).toBe(true);
    expect(joinsServers({ ...base, retryJoin: ['s2:6868'] })).toBe(true);
    expect(joinsServers(base)).toBe(false);
    expect(joinsServers({ ...base, join: ['s2:6868'], rqliteUrl: ['http://r:4001'] })).toBe(false);
    expect(joinsServers({ ...base, join: ['s2:6868'], server: false })).toBe(false);
  });

  it('adds the default rpc port to an address without one, each address once', () => {
    expect(withRpcPort('s2.internal')).toBe('s2.internal:6868');
    expect(withRpcPort('10.0.0.2:7000')).toBe('10.0.0.2:7000');
    expect(withRpcPort('[::1]:7000')).toBe('[::1]:7000');
    expect(withRpcPort('::1')).toBe('[::1]:6868');
    expect(serverJoinAddresses({ join: ['s2', 's3:6868'], retryJoin: ['s2:6868'] })).toEqual([
      's2:6868',
      's3:6868',
    ]);
  });

  it('refuses a join without --encrypt, naming the flag', () => {
    expect(() => checkServerJoin({ ...base, join: ['s2'] })).toThrow(
      /^--join on a server needs --encrypt: the servers authenticate each other with the key/,
    );
    expect(() => checkServerJoin({ ...base, join: ['127.0.0.1:7000'], encrypt: KEY, rpcPort: 0 })).toThrow(
      '--rpc-port 0 cannot be joined',
    );
    expect(() => checkServerJoin({ ...base, join: ['127.0.0.1:7000'], encrypt: KEY })).not.toThrow();
    expect(() =>
      checkServerJoin({ ...base, join: ['s2'], encrypt: KEY, advertiseAddr: '10.0.0.1' }),
    ).not.toThrow();
  });

  it('refuses to advertise loopback to servers on other hosts', () => {
    expect(() => checkServerJoin({ ...base, join: ['127.0.0.1:7000', 's2.internal'], encrypt: KEY })).toThrow(
      '--advertise-addr: this server would tell the servers it joins (s2.internal:6868) to reach its rqlited at 127.0.0.1; set --advertise-addr',
    );
  });

  it('derives one rqlite password per key, never the key itself', () => {
    const a = clusterPassword(KEY);
    expect(clusterPassword(KEY)).toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(clusterPassword('AAAAAAAAAAAAAAAAAAAAAA==')).not.toBe(a);
    expect(a).not.toContain(KEY.replace(/=+$/, ''));
  });
});
