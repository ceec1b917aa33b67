import { DkronError } from '@dkron-core/plugin-api';
import { basicAuthorization, type RqliteCredentials } from './internal/transport.js';

/** One node of an rqlite cluster, from its `/nodes` API. */
export interface RaftNode {
  /** The node id (the embedded rqlited of a server: its node name). */
  readonly id: string;
  /** Its Raft address. */
  readonly address: string;
  readonly apiAddr: string;
  readonly leader: boolean;
  readonly voter: boolean;
  readonly reachable: boolean;
}

/** Where an rqlite node's HTTP API is and the credentials it takes. */
export interface RqliteNodeAccess {
  readonly url: string;
  readonly credentials?: RqliteCredentials;
}

const TIMEOUT_MS = 5_000;

async function request(access: RqliteNodeAccess, path: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers);
  if (access.credentials) headers.set('authorization', basicAuthorization(access.credentials));
  try {
    return await fetch(`${access.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (cause) {
    throw new DkronError(
      'UNAVAILABLE',
      `rqlite at ${access.url} did not answer: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}

/** The voters and non-voters of the node's cluster, leader first, then by id. */
export async function listRaftNodes(access: RqliteNodeAccess): Promise<RaftNode[]> {
  const response = await request(access, '/nodes?nonvoters&ver=2&timeout=3s', { method: 'GET' });
  if (!response.ok) {
    throw new DkronError(
      'UNAVAILABLE',
      `rqlite /nodes answered ${response.status}: ${await response.text()}`,
    );
  }
  const body = (await response.json()) as { nodes?: Array<Record<string, unknown>> };
  const nodes = (body.nodes ?? []).map(
    (n): RaftNode => ({
      id: String(n.id ?? ''),
      address: String(n.addr ?? ''),
      apiAddr: String(n.api_addr ?? ''),
      leader: n.leader === true,
      voter: n.voter === true,
      reachable: n.reachable === true,
    }),
  );
  return nodes.sort((a, b) => Number(b.leader) - Number(a.leader) || a.id.localeCompare(b.id));
}

/**
 * Removes node `id` from the cluster (rqlite's `DELETE /remove`, which a follower forwards to the leader).
 * `NOT_FOUND` when the cluster has no such node.
 */
export async function removeRaftNode(access: RqliteNodeAccess, id: string): Promise<void> {
  const known = await listRaftNodes(access);
  if (!known.some((n) => n.id === id)) {
    const ids = known.map((n) => n.id).join(', ');
    throw new DkronError('NOT_FOUND', `no Raft peer with id "${id}" (peers: ${ids || 'none'})`);
  }
  const response = await request(access, '/remove', {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id }),
  });
  if (!response.ok) {
    throw new DkronError(
      'UNAVAILABLE',
      `rqlite /remove of ${id} answered ${response.status}: ${await response.text()}`,
    );
  }
}
