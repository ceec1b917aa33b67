/**
 * The launcher of an agent started through a package manager (`npx dkron-core agent`, `pnpm start`):
 * npm runs the bin as `sh -c 'dkron-core …'`, forwards SIGTERM and SIGINT to that shell only, and the
 * shell forwards nothing. A supervisor that signals the launcher's pid (systemd's `KillMode=process`, a
 * container's PID 1, a script's `kill $!`) would stop the launcher and leave the agent running with its
 * ports and rqlited. So the agent watches the processes between it and the package manager, and stops
 * gracefully as soon as one of them is gone.
 *
 * An agent started directly (`node …/dkron-core.js`, systemd's `ExecStart=`, `nohup`) watches nothing:
 * its launcher signals it directly, and a daemon must outlive the shell that started it.
 */

import { readFileSync } from 'node:fs';

/** What is read of a process: `/proc/<pid>/stat` on Linux. */
export interface ProcessStat {
  readonly ppid: number;
  /** Short command name (`sh`, `npm exec dkron-`). */
  readonly comm: string;
  /** One-letter state; `Z` is a dead process not yet reaped. */
  readonly state: string;
  /** Start time since boot, in clock ticks: a recycled pid has another one. */
  readonly startTime: string;
}

/** Reads a process, `undefined` when it does not exist (or cannot be read). */
export type ReadProcess = (pid: number) => ProcessStat | undefined;

/** Reads `/proc/<pid>/stat` (Linux); `undefined` elsewhere or when the process is gone. */
export const readProcStat: ReadProcess = (pid) => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split at the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  const [state, ppid] = fields;
  const startTime = fields[19];
  if (state === undefined || ppid === undefined || startTime === undefined) return undefined;
  return { ppid: Number(ppid), comm, state, startTime };
};

/** Shells a package manager runs bins through; the launcher is the first ancestor that is not one. */
const SHELLS: ReadonlySet<string> = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'mksh', 'busybox']);

/** Variables npm, pnpm and yarn set for what they run (scripts, `exec`, `npx`, `dlx`). */
const LAUNCHED_BY = ['npm_lifecycle_event', 'npm_execpath', 'npm_command'] as const;

/** Whether `env` says a package manager started this process. */
export function launchedByPackageManager(env: Readonly<Record<string, string | undefined>>): boolean {
  return LAUNCHED_BY.some((name) => env[name] !== undefined && env[name] !== '');
}

/** One watched ancestor. */
export interface WatchedProcess {
  readonly pid: number;
  readonly comm: string;
  readonly startTime: string;
}

/**
 * The processes an agent started by a package manager depends on: its parent, then each ancestor while
 * the previous one was a shell, ending with the package manager itself. Empty without `/proc`.
 */
export function launcherChain(ppid: number, read: ReadProcess = readProcStat): WatchedProcess[] {
  const chain: WatchedProcess[] = [];
  let pid = ppid;
  while (pid > 1 && chain.length < 8) {
    const stat = read(pid);
    if (stat === undefined) break;
    chain.push({ pid, comm: stat.comm, startTime: stat.startTime });
    if (!SHELLS.has(stat.comm)) break;
    pid = stat.ppid;
  }
  return chain;
}

/** Options of {@link watchLauncher}. */
export interface LauncherWatchOptions {
  /** Called once, with the first watched process found gone. */
  readonly onGone: (gone: { readonly pid: number; readonly comm: string }) => void;
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default `process.ppid` (read on every check: the parent changes when it dies). */
  readonly ppid?: () => number;
  /** Default {@link readProcStat}. */
  readonly read?: ReadProcess;
  /** Check interval; default 1000 ms. */
  readonly intervalMs?: number;
}

/** A running watch. */
export interface LauncherWatch {
  /** The processes watched; empty when the agent was not started by a package manager. */
  readonly watched: readonly WatchedProcess[];
  stop(): void;
}

/**
 * Watches the launcher chain (see the module comment) and calls `onGone` when a process of it exits:
 * when the parent changes, or a watched pid is gone, a zombie, or now another process.
 */
export function watchLauncher(options: LauncherWatchOptions): LauncherWatch {
  const env = options.env ?? process.env;
  const ppid = options.ppid ?? (() => process.ppid);
  const read = options.read ?? readProcStat;
  const parent = ppid();
  if (!launchedByPackageManager(env) || parent <= 1) return { watched: [], stop() {} };
  // Without /proc (not Linux) the parent is still watched, by its pid.
  const chain = launcherChain(parent, read);
  const watched = chain.length > 0 ? chain : [{ pid: parent, comm: 'parent', startTime: '' }];

  const goneOf = (): WatchedProcess | undefined => {
    if (ppid() !== parent) return watched[0];
    for (const entry of watched) {
      if (entry.startTime === '') continue;
      const stat = read(entry.pid);
      if (stat === undefined || stat.state === 'Z' || stat.startTime !== entry.startTime) return entry;
    }
    return undefined;
  };
  const timer = setInterval(() => {
    const gone = goneOf();
    if (gone === undefined) return;
    clearInterval(timer);
    options.onGone({ pid: gone.pid, comm: gone.comm });
  }, options.intervalMs ?? 1000);
  timer.unref();
  return { watched, stop: () => clearInterval(timer) };
}
