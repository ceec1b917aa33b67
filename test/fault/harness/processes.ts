/**
 * Process faults on real processes: finding an agent's embedded rqlited, SIGSTOP/SIGCONT/SIGKILL of it or
 * of the agent, and waiting on pids that are not our children (there is no event for those: polling).
 */

import { readdirSync, readFileSync } from 'node:fs';
import type { AgentHandle } from '../../e2e/helpers/index.js';
import { waitFor } from '../../e2e/helpers/index.js';

function stat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], pgrp [2]). */
function fields(pid: number): string[] | undefined {
  const text = stat(pid);
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  const f = fields(pid);
  return f !== undefined && f[0] !== 'Z';
}

/** Stopped by SIGSTOP (state T). */
export function stopped(pid: number): boolean {
  return fields(pid)?.[0] === 'T';
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => Number(fields(child)?.[1]) === pid);
}

/** The embedded rqlited of an agent (its child running rqlited on the agent's data dir). */
export function rqlitedOf(agent: AgentHandle): number | undefined {
  const pid = agent.proc.pid;
  if (pid === undefined) return undefined;
  return childrenOf(pid).find((child) => {
    const cmd = cmdline(child);
    return cmd.includes('rqlited') && cmd.includes(agent.dataDir) && alive(child);
  });
}

/** Waits for the agent's rqlited (a new one, when `not` names the previous pid). */
export function waitRqlited(agent: AgentHandle, not?: number, timeoutMs = 30_000): Promise<number> {
  return waitFor(
    () => {
      const pid = rqlitedOf(agent);
      return pid !== undefined && pid !== not ? pid : undefined;
    },
    { timeoutMs, intervalMs: 20, message: 'the agent to run an rqlited' },
  );
}

/** Sends `signal` to `pid`. */
export function signal(pid: number, name: NodeJS.Signals): void {
  process.kill(pid, name);
}

/** Waits until `pid` is gone; resolves to how long it took (ms). */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  await waitFor(() => !alive(pid), { timeoutMs, intervalMs: 20, message: `pid ${pid} to end` });
  return Date.now() - started;
}
