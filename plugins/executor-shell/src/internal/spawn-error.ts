import { stat } from 'node:fs/promises';

/**
 * Go's wording for a process that could not be started, so outputs read as in Dkron:
 * `exec: "nope": executable file not found in $PATH`, `chdir /x: no such file or directory`,
 * `fork/exec ./script: permission denied`.
 */
export async function spawnErrorMessage(
  error: NodeJS.ErrnoException,
  file: string,
  cwd: string,
): Promise<string> {
  if (error.code === 'ENOENT') {
    // Node reports a missing cwd as the command being missing; tell them apart.
    if (cwd !== '' && !(await isDirectory(cwd))) return `chdir ${cwd}: no such file or directory`;
    return file.includes('/')
      ? `fork/exec ${file}: no such file or directory`
      : `exec: "${file}": executable file not found in $PATH`;
  }
  if (error.code === 'EACCES') return `fork/exec ${file}: permission denied`;
  if (error.code === 'EPERM') return `fork/exec ${file}: operation not permitted`;
  return `fork/exec ${file}: ${error.message}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
