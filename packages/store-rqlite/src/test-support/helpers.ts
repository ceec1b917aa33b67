import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../test/e2e/helpers/free-port.js';
import { type EmbeddedRqlite, type EmbeddedRqliteOptions, startEmbeddedRqlite } from '../embedded-rqlite.js';

/**
 * `n` ports for rqlited, free and reserved across test processes (the e2e helpers' reservations), so two
 * test files running in parallel never start rqlited on the same port.
 */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}

/** A fresh temporary directory and its removal. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `dkron-core-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** True when `pid` runs (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesized command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Waits until `pid` is gone. A process that is not our child gives no event, so this polls (10 ms steps).
 * @returns whether it went before the deadline.
 */
export async function waitForPidGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return !isAlive(pid);
}

/** An embedded rqlited on free ports in a temporary directory, and its full cleanup. */
export interface TestRqlite {
  readonly rqlite: EmbeddedRqlite;
  readonly dataDir: string;
  readonly httpPort: number;
  readonly raftPort: number;
  cleanup(): Promise<void>;
}

/** Starts a {@link TestRqlite}. */
export async function startTestRqlite(options: Partial<EmbeddedRqliteOptions> = {}): Promise<TestRqlite> {
  const dir = await tempDir('rqlite');
  const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
  try {
    const rqlite = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort, ...options });
    return {
      rqlite,
      dataDir: dir.path,
      httpPort,
      raftPort,
      async cleanup() {
        await rqlite.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
