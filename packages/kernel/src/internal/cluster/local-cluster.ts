import type { Member } from '../../ports/agent.js';
import type { Cluster } from '../../ports/cluster.js';

/** Options of the single-node cluster. */
export interface LocalClusterOptions {
  readonly nodeName: string;
  readonly server: boolean;
  readonly version: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly datacenter?: string;
  readonly region?: string;
  readonly addr?: string;
  readonly port?: number;
  readonly rpcPort?: number;
}

/**
 * This node's member record, with Dkron's fields. Reserved tags follow Dkron (`role`, `dc`, `region`,
 * `version`, `server`, `rpc_addr`, `port`), plus `dkron_server` which Dkron's getting-started examples
 * target (`"dkron_server": "true:1"`).
 */
export function selfMember(options: LocalClusterOptions): Member {
  const addr = options.addr ?? '127.0.0.1';
  const rpcPort = options.rpcPort ?? 6868;
  const tags: Record<string, string> = {
    ...options.tags,
    role: 'dkron',
    dc: options.datacenter ?? 'dc1',
    region: options.region ?? 'global',
    version: options.version,
    rpc_addr: `${addr}:${rpcPort}`,
    port: String(rpcPort),
    ...(options.server ? { server: 'true', dkron_server: 'true' } : {}),
  };
  const member: Member = {
    Name: options.nodeName,
    Addr: addr,
    Port: options.port ?? 8946,
    Tags: tags,
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
  return member;
}

/** The cluster of one node: this node is the only member and, when it is a server, the leader. */
export function createLocalCluster(options: LocalClusterOptions): Cluster {
  let member = selfMember(options);
  return {
    members: () => [member],
    candidates: () => [{ name: member.Name, tags: { ...member.Tags }, alive: true }],
    leader: () => (options.server ? member : undefined),
    isLeader: () => options.server,
    // One node never changes leadership: a server leads from start, in epoch 1, for good.
    epoch: () => 1,
    self: () => member,
    onLeadershipChange: () => () => {},
    retag(tags) {
      member = selfMember({ ...options, tags });
    },
  };
}
