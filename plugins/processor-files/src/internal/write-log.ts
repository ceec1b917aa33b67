import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';

const DIR_MODE = 0o750;
const FILE_MODE = 0o640;

/**
 * One path component made of a job name or an execution id: never empty, `.` or `..`, and without a
 * separator or NUL, so it cannot climb out of its parent or name an absolute path.
 */
export function safeComponent(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} cannot be used as a file name`);
  }
  return value;
}

/** The absolute log directory of `logDir`, refused when `allowedRoot` is set and it lies outside. */
export function resolveLogDir(logDir: string, allowedRoot: string | undefined): string {
  const dir = resolve(logDir);
  if (allowedRoot === undefined) return dir;
  const rel = relative(resolve(allowedRoot), dir);
  if (rel === '..' || rel.startsWith('../') || resolve(allowedRoot, rel) !== dir) {
    throw new Error(`log_dir ${dir} is outside ${resolve(allowedRoot)}, where this agent writes logs`);
  }
  return dir;
}

/**
 * Writes `execution.output` to `<logDir>/<job>/<execution id>.log` and returns that path.
 *
 * `logDir` itself may be a symbolic link (the operator's choice); below it nothing is followed: the
 * job directory must be a real directory (a symlink planted there is refused) and the file is opened
 * with `O_NOFOLLOW`. After the open, the file's real path is checked to lie in the job directory, so
 * a directory swapped for a link between the checks is caught too.
 */
export async function writeExecutionLog(logDir: string, execution: Execution): Promise<string> {
  const job = safeComponent(execution.job_name, 'job name');
  const file = `${safeComponent(execution.id, 'execution id')}.log`;
  await mkdir(logDir, { recursive: true, mode: DIR_MODE });
  const root = await realpath(logDir);
  const jobDir = join(root, job);
  try {
    await mkdir(jobDir, { mode: DIR_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await lstat(jobDir);
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    throw new Error(
      `${jobDir} is not a directory (a symbolic link or a file was found there); refusing to write`,
    );
  }
  const path = join(jobDir, file);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, flags, FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new Error(`${path} is a symbolic link; refusing to write`);
    }
    throw error;
  }
  try {
    if ((await realpath(path)) !== path)
      throw new Error(`${path} resolves outside ${jobDir}; refusing to write`);
    await handle.writeFile(execution.output);
  } finally {
    await handle.close();
  }
  return path;
}
