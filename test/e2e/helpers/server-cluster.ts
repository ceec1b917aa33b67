/**
 * Servers on their own embedded rqlited that join each other (`agent --server --join … --bootstrap-expect
 * N --encrypt …`), as real processes on loopback: their ports are chosen before any starts, since each
 * one's `--join` names the others' gRPC ports.
 */

import { spawn } from 'node:child_process';
import { freePort } from './free-port.js';
import { type AgentHandle, DKRON_CORE_BIN, startAgent } from './start-agent.js';

/** The cluster key of these tests. */
export const CLUSTER_KEY = 'kPpdjphiipNSsjd4QHWbkA==';

/** One planned server: its name and ports. */
export interface PlannedServer {
  readonly name: string;
  readonly ports: AgentHandle['ports'];
  /** `127.0.0.1:<rpc port>`, what the others `--join`. */
  readonly rpcAddr: string;
}

/** Picks free ports for servers named `names`. */
export async function planServers(names: readonly string[]): Promise<PlannedServer[]> {
  const planned: PlannedServer[] = [];
  for (const name of names) {
    const [http, rpc, rqliteHttp, rqliteRaft] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    planned.push({ name, ports: { http, rpc, rqliteHttp, rqliteRaft }, rpcAddr: `127.0.0.1:${rpc}` });
  }
  return planned;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** `--bootstrap-expect`; default the number of planned servers. */
  readonly bootstrapExpect?: number;
  /** The servers it joins; default every planned one (itself included, as an operator would write it). */
  readonly join?: readonly PlannedServer[];
  readonly key?: string;
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly healthTimeoutMs?: number;
}

/** Starts `server` joining the planned servers; resolves once its `/health` answers 200. */
export function startServer(
  server: PlannedServer,
  all: readonly PlannedServer[],
  options: StartServerOptions = {},
): Promise<AgentHandle> {
  const join = (options.join ?? all).flatMap((s) => ['--join', s.rpcAddr]);
  return startAgent({
    nodeName: server.name,
    ports: server.ports,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    healthTimeoutMs: options.healthTimeoutMs ?? 120_000,
    args: [
      '--bind-addr',
      '127.0.0.1:8946',
      '--encrypt',
      options.key ?? CLUSTER_KEY,
      '--bootstrap-expect',
      String(options.bootstrapExpect ?? all.length),
      ...join,
      ...(options.args ?? []),
    ],
  });
}

/** `GET /health` of a server: whether it answers 200 and leads; `undefined` when it does not answer. */
export async function health(
  baseUrl: string,
): Promise<{ status: number; leader: boolean; body: string } | undefined> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    const body = await response.text();
    const leader = response.status === 200 && (JSON.parse(body) as { leader?: boolean }).leader === true;
    return { status: response.status, leader, body };
  } catch {
    return undefined;
  }
}

/** The names of the servers whose `/health` says they lead now. */
export async function leaders(servers: readonly AgentHandle[]): Promise<string[]> {
  const answers = await Promise.all(servers.map(async (s) => ({ s, h: await health(s.baseUrl) })));
  return answers.filter(({ h }) => h?.leader).map(({ s }) => s.nodeName);
}

/** Runs the built CLI with `args`; resolves with its exit code and output. */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DKRON_CORE_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
