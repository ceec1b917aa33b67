/**
 * Starts the BUILT dkron-core agent (`apps/dkron-core/bin/dkron-core.js`, so run `tsc -b` first) as
 * a real process on loopback with free ports and a temporary data directory, and waits until
 * `GET /health` answers 200. Every agent started here is killed after the test file (afterAll) and
 * when the test process exits, with its whole process group (so an rqlited child cannot leak).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { afterAll } from 'vitest';
import { freePort } from './free-port.js';

/** The CLI entry point the helpers run. */
export const DKRON_CORE_BIN = fileURLToPath(
  new URL('../../../apps/dkron-core/bin/dkron-core.js', import.meta.url),
);

/** Options of {@link startAgent}. */
export interface StartAgentOptions {
  /** Extra arguments after the defaults; a repeated flag overrides the default (the last one wins). */
  readonly args?: readonly string[];
  /** Extra environment variables. The parent's `DKRON_*` variables are never passed on. */
  readonly env?: Readonly<Record<string, string>>;
  /** Data directory to use (kept afterwards, e.g. to restart on it); default: a new temp dir, removed after. */
  readonly dataDir?: string;
  /** Config file content (an object, written as JSON); default `{}`, so no system config file is read. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Start as a server (`--server`); default true. */
  readonly server?: boolean;
  /** How long to wait for `GET /health` to answer 200; default 30 s. */
  readonly healthTimeoutMs?: number;
  /**
   * Ports to use instead of free ones picked here (servers that join each other must know each other's
   * ports before they start).
   */
  readonly ports?: Partial<AgentHandle['ports']>;
  /** Node name; default `e2e-<http port>`. */
  readonly nodeName?: string;
  /** Script to run instead of the real CLI (helper self-tests). */
  readonly bin?: string;
  /**
   * The agent serves HTTPS (pass `--https-cert`/`--https-key` in `args`): `baseUrl` is `https://…` and
   * the health check trusts `ca`.
   */
  readonly https?: { readonly ca: string | Buffer };
  /**
   * Starts the agent through a launcher instead of directly: gets the agent's command line (`node`,
   * then its arguments) and returns what to spawn. `proc` is then the launcher.
   */
  readonly launcher?: (argv: readonly string[]) => { command: string; args: string[] };
}

/** How an agent process ended. */
export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running agent. */
export interface AgentHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly proc: ChildProcess;
  readonly dataDir: string;
  readonly nodeName: string;
  /** Ports given to this agent. */
  readonly ports: {
    readonly http: number;
    readonly rpc: number;
    readonly rqliteHttp: number;
    readonly rqliteRaft: number;
  };
  /** Resolves when the process has exited. */
  readonly exited: Promise<AgentExit>;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit; after `timeoutMs` (default 15 s) the
   * process group is killed and the promise rejects with the logs.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<AgentExit>;
  /** SIGKILLs the agent process alone (a crash); its children are left to their own devices. */
  kill9(): Promise<AgentExit>;
  /** Everything the agent wrote to stdout and stderr so far. */
  logs(): string;
}

const MAX_LOG_CHARS = 4_000_000;

interface RunningAgent {
  readonly proc: ChildProcess;
  cleanup(): Promise<void>;
}

// One registry per process (test files may load this module more than once).
const REGISTRY = Symbol.for('dkron-core.e2e.running-agents');
const holder = globalThis as { [REGISTRY]?: Set<RunningAgent> };
const running: Set<RunningAgent> = holder[REGISTRY] ?? new Set<RunningAgent>();
if (!holder[REGISTRY]) {
  holder[REGISTRY] = running;
  // Last resort if a test file crashes: no agent outlives the test process.
  process.once('exit', () => {
    for (const { proc } of running) killGroup(proc, 'SIGKILL');
  });
}

// Registered when a test file imports the helpers, so it runs after that file's tests.
afterAll(async () => {
  await stopAllAgents();
});

/** Kills every agent started by this process and removes their temporary directories. */
export async function stopAllAgents(): Promise<void> {
  await Promise.allSettled([...running].map((r) => r.cleanup()));
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function exitedPromise(proc: ChildProcess): Promise<AgentExit> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  }
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Starts an agent and resolves once `GET /health` answers 200. */
export async function startAgent(options: StartAgentOptions = {}): Promise<AgentHandle> {
  const given = options.ports ?? {};
  const [http, rpc, rqliteHttp, rqliteRaft] = await Promise.all([
    given.http ?? freePort(),
    given.rpc ?? freePort(),
    given.rqliteHttp ?? freePort(),
    given.rqliteRaft ?? freePort(),
  ]);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'dkron-e2e-data-')));
  const workDir = await mkdtemp(join(tmpdir(), 'dkron-e2e-cwd-'));
  const configPath = join(workDir, 'dkron.json');
  await writeFile(configPath, JSON.stringify(options.config ?? {}));
  const nodeName = options.nodeName ?? `e2e-${http}`;
  const args = [
    options.bin ?? DKRON_CORE_BIN,
    'agent',
    ...(options.server === false ? [] : ['--server']),
    '--config',
    configPath,
    '--node-name',
    nodeName,
    '--http-addr',
    `127.0.0.1:${http}`,
    '--rpc-port',
    String(rpc),
    '--rqlite-http-port',
    String(rqliteHttp),
    '--rqlite-raft-port',
    String(rqliteRaft),
    '--data-dir',
    dataDir,
    ...(options.args ?? []),
  ];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('DKRON_')) env[key] = value;
  }
  Object.assign(env, { HOME: workDir, NO_COLOR: '1' }, options.env);

  // A process group of its own, so cleanup can kill the agent and everything it started.
  const launched = options.launcher?.([process.execPath, ...args]) ?? { command: process.execPath, args };
  const proc = spawn(launched.command, launched.args, {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS / 2);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = exitedPromise(proc);
  const logs = () => output;

  const entry: RunningAgent = {
    proc,
    cleanup: async () => {
      running.delete(entry);
      killGroup(proc, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      await rm(workDir, { recursive: true, force: true });
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  running.add(entry);

  const baseUrl = `${options.https ? 'https' : 'http'}://127.0.0.1:${http}`;
  try {
    await waitHealthy(baseUrl, proc, exited, options.healthTimeoutMs ?? 30_000, options.https?.ca);
  } catch (err) {
    await entry.cleanup();
    throw new Error(
      `${(err as Error).message}\n--- agent command ---\nnode ${args.join(' ')}\n--- agent logs ---\n${output}`,
    );
  }

  const afterExit = async (exit: AgentExit) => {
    // Whatever the agent left behind (a managed rqlited) goes too.
    killGroup(proc, 'SIGKILL');
    return exit;
  };
  return {
    baseUrl,
    proc,
    dataDir,
    nodeName,
    ports: { http, rpc, rqliteHttp, rqliteRaft },
    exited,
    logs,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      const result = await Promise.race([exited, timer]);
      if (result === 'timeout') {
        await entry.cleanup();
        throw new Error(
          `agent did not exit within ${timeoutMs} ms of ${signal}\n--- agent logs ---\n${output}`,
        );
      }
      return afterExit(result);
    },
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}

async function waitHealthy(
  baseUrl: string,
  proc: ChildProcess,
  exited: Promise<AgentExit>,
  timeoutMs: number,
  ca?: string | Buffer,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const dispatcher = ca === undefined ? undefined : new UndiciAgent({ connect: { ca } });
  let last = 'no answer yet';
  let exit: AgentExit | undefined;
  void exited.then((e) => {
    exit = e;
  });
  try {
    while (Date.now() < deadline) {
      if (exit)
        throw new Error(`agent exited before it was healthy (code ${exit.code}, signal ${exit.signal})`);
      try {
        const res = dispatcher
          ? await undiciFetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000), dispatcher })
          : await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `status ${res.status}: ${(await res.text()).slice(0, 200)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await dispatcher?.close();
  }
  if (proc.exitCode === null) last += ' (process still running)';
  throw new Error(`agent at ${baseUrl} was not healthy within ${timeoutMs} ms (last: ${last})`);
}
