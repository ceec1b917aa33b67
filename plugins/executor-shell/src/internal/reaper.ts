import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Kills the process groups of running jobs when the agent dies, however it dies (SIGKILL, a second
 * SIGTERM, a crash). Every job runs as the leader of its own process group, which nothing else would end:
 * a killed agent used to leave its jobs running while their executions were marked `lost`, so a `forbid`
 * job then ran twice.
 *
 * One small `sh` per executor, in a session of its own (a signal to the agent's group does not reach
 * it), reads `+<pgid>` and `-<pgid>` lines on its stdin, a pipe from the agent. When the agent is gone
 * the kernel closes that pipe: `read` sees end-of-file and the reaper SIGKILLs every group still listed,
 * then exits. What it costs a run is two short writes to a pipe. The agent's own `exit` (a forced exit)
 * also kills the groups at once, without waiting for the reaper.
 */
export interface Reaper {
  /** Lists the group of a job that was just spawned (its leader's pid). */
  track(pgid: number): void;
  /** Takes a group off the list (its leader exited). */
  untrack(pgid: number): void;
  /** The reaper process, while one runs (tests). */
  readonly pid: number | undefined;
  /** Lets the reaper exit; groups still listed are killed by it, as at the agent's death. */
  close(): void;
}

// `live` holds the listed groups, space-separated with a space at both ends, so " id " finds one.
const SCRIPT = `live=' '
while IFS= read -r line; do
  case $line in
    +*) live="$live\${line#+} " ;;
    -*) id=\${line#-}; case $live in *" $id "*) live="\${live%% $id *} \${live#* $id }" ;; esac ;;
  esac
done
for id in $live; do kill -KILL -"$id" 2>/dev/null; done
`;

/** Creates the {@link Reaper} of one executor; its process starts with the first tracked job. */
export function createReaper(shellPath = '/bin/sh'): Reaper {
  const groups = new Set<number>();
  let child: ChildProcess | undefined;
  let closed = false;
  let hooked = false;

  const onExit = (): void => {
    // A forced exit: kill at once (the reaper would do it too, a moment later).
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  };

  const send = (line: string): void => {
    const stdin = child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(line);
  };

  const start = (): void => {
    const reaper = spawn(shellPath, ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child = reaper;
    reaper.unref();
    const stdin = reaper.stdin;
    // The pipe must not keep the agent alive, and a reaper that died (killed by someone) is replaced.
    (stdin as unknown as { unref?: () => void } | null)?.unref?.();
    stdin?.on('error', () => {});
    reaper.once('error', () => {
      if (child === reaper) child = undefined;
    });
    reaper.once('exit', () => {
      if (child === reaper) child = undefined;
    });
    if (!hooked) {
      hooked = true;
      process.on('exit', onExit);
    }
    // A replacement lists what is running now.
    if (groups.size > 0) send([...groups].map((g) => `+${g}\n`).join(''));
  };

  return {
    track(pgid) {
      if (closed) return;
      groups.add(pgid);
      if (child === undefined) start();
      else send(`+${pgid}\n`);
    },
    untrack(pgid) {
      if (!groups.delete(pgid)) return;
      send(`-${pgid}\n`);
    },
    get pid() {
      return child?.pid;
    },
    close() {
      if (closed) return;
      closed = true;
      process.off('exit', onExit);
      child?.stdin?.end();
      child = undefined;
    },
  };
}
