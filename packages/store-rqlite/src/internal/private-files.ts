import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Mode of the directories of a node's state: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of the files of a node's state: the owner only, no execute bit. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) with mode 0700 and takes away every group and other bit from
 * it and everything below it (files end up 0600, or 0700 when executable): what an earlier version or another program created with the default
 * umask (0644 files) becomes private too. Symbolic links are left alone (chmod would follow them).
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir);
}

function tighten(path: string): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined || stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o077) !== 0) chmodSync(path, stat.mode & 0o7700);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (!entry.isSymbolicLink()) tighten(join(path, entry.name));
    }
  } else if (stat.isFile() && (stat.mode & 0o077) !== 0) {
    chmodSync(path, stat.mode & 0o7700); // the owner's bits stay (an executable stays one)
  }
}

/**
 * Runs `fn` (a synchronous `spawn`) with the process umask at 077, so that the child and every file
 * it creates are private (rqlited creates its database 0644 under the default umask). The umask is
 * process-wide, hence restored at once; worker threads cannot change it and run `fn` as it is (the
 * 0700 directory still keeps other users out).
 */
export function withPrivateUmask<T>(fn: () => T): T {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {
    // ERR_WORKER_UNSUPPORTED_OPERATION
  }
  try {
    return fn();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}
