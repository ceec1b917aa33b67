import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentHandle } from './start-agent.js';

/**
 * Sends SQL straight to an agent's embedded rqlited (to plant what the API would refuse), with the
 * credentials the agent generated in its data dir (`rqlite-auth.json`, rqlited's `-auth` format).
 */
export async function rqliteExecute(agent: AgentHandle, statements: unknown[]): Promise<unknown> {
  const entries = JSON.parse(await readFile(join(agent.dataDir, 'rqlite-auth.json'), 'utf8')) as {
    username: string;
    password: string;
  }[];
  const { username, password } = entries[0]!;
  const res = await fetch(`http://127.0.0.1:${agent.ports.rqliteHttp}/db/execute`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    },
    body: JSON.stringify(statements),
  });
  return res.json();
}
