import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * How a child is kept from outliving its parent when the parent dies without cleaning up (SIGKILL, crash):
 * - `setpriv`: Linux; the child is exec'd through `setpriv --pdeathsig SIGKILL`, so the kernel kills it
 *   the moment the parent dies. Nothing else runs.
 * - `watchdog`: anywhere; a detached `node` process polls its own parent pid and SIGKILLs the child when
 *   the parent is gone.
 * - `auto`: `setpriv` when it exists and supports `--pdeathsig`, else `watchdog`.
 */
export type DeathGuard = 'auto' | 'setpriv' | 'watchdog';

let setprivPath: string | null | undefined;

/** The path of a `setpriv` that supports `--pdeathsig`, or `null` (probed once). */
export function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return setprivPath;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    // util-linux before 2.33 has no --pdeathsig; try it once on `true`.
    const probe = spawnSync(candidate, ['--pdeathsig', 'SIGKILL', '--', 'true'], {
      stdio: 'ignore',
      timeout: 5_000,
    });
    if (probe.status === 0) setprivPath = candidate;
    break;
  }
  return setprivPath;
}

/** The guard actually used for `requested`. */
export function resolveDeathGuard(requested: DeathGuard): 'setpriv' | 'watchdog' {
  if (requested !== 'auto') return requested;
  return findSetpriv() === null ? 'watchdog' : 'setpriv';
}

/** Command and argv (never a shell string) that start `file args` under the guard. */
export function guardedCommand(
  guard: 'setpriv' | 'watchdog',
  file: string,
  args: readonly string[],
): { command: string; args: string[] } {
  if (guard === 'watchdog') return { command: file, args: [...args] };
  const setpriv = findSetpriv();
  if (setpriv === null) throw new Error('setpriv with --pdeathsig is not available on this system');
  return { command: setpriv, args: ['--pdeathsig', 'SIGKILL', '--', file, ...args] };
}

// Runs detached with argv [parentPid, childPid]. It exits as soon as the child is gone, and kills the child
// when its parent changes: a dead parent's children are re-parented, so a recycled parent pid cannot fool it.
const WATCHDOG = `
const [parent, child] = process.argv.slice(1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(child)) process.exit(0);
  if (process.ppid !== parent) { try { process.kill(child, 'SIGKILL'); } catch {} process.exit(0); }
}, 200);
`;

/** Starts the watchdog of `child` (watchdog guard only). It never keeps this process alive. */
export function startWatchdog(child: ChildProcess): ChildProcess | undefined {
  if (child.pid === undefined) return undefined;
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), String(child.pid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}
