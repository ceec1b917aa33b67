import type { ExecuteContext, ExecuteRequest, ExecuteResult } from '@dkron-core/plugin-api';
import type { ShellConfig } from './config.js';
import { buildEnv } from './env.js';
import { exitError, formatGoDuration } from './go-format.js';
import type { MemoryWatch } from './memory-watch.js';
import type { Reaper } from './reaper.js';
import { type CommandEnd, type KillReason, runCommand } from './run-command.js';
import { CommandLineError, splitCommand } from './shell-words.js';
import { spawnErrorMessage } from './spawn-error.js';
import { type Credentials, resolveCredentials } from './su.js';

/** What the shell executor needs besides the request. */
export interface ShellDeps {
  readonly shellPath: string;
  readonly memoryWatch: MemoryWatch;
  /** The agent's environment, read at each run. */
  readonly baseEnv: () => NodeJS.ProcessEnv;
  /** Kills the jobs' process groups if the agent dies. */
  readonly reaper?: Reaper;
}

/** Runs one shell job as Dkron's shell executor does. */
export async function executeShell(
  request: ExecuteRequest<ShellConfig>,
  context: ExecuteContext,
  deps: ShellDeps,
): Promise<ExecuteResult> {
  const { config, job } = request;
  const argv = toArgv(config, deps.shellPath);
  if (typeof argv === 'string') return { success: false, error: argv };
  const [file, ...args] = argv as [string, ...string[]];
  // Cancelled while queued: starting a process only to kill it would waste a fork.
  if (context.signal.aborted) {
    return { success: false, error: `shell: Job '${config.command}' was cancelled before it started` };
  }

  let credentials: Credentials | undefined;
  if (config.su !== '') {
    if (process.getuid?.() !== 0) {
      return { success: false, error: 'shell: su requires the agent to run as root' };
    }
    try {
      credentials = await resolveCredentials(config.su);
    } catch (error) {
      return { success: false, error: (error as Error).message };
    }
  }

  let endsWithNewline = true;
  const write = (text: string): void => {
    endsWithNewline = text.endsWith('\n');
    context.output.write(text);
  };
  const end = await runCommand({
    file,
    args,
    env: buildEnv(deps.baseEnv(), config.env, job.name),
    ...(config.cwd === '' ? {} : { cwd: config.cwd }),
    ...(credentials === undefined ? {} : { uid: credentials.uid, gid: credentials.gid }),
    ...(config.payload === undefined ? {} : { stdin: config.payload }),
    timeoutMs: config.timeout,
    ...(config.mem_limit === undefined ? {} : { memLimit: config.mem_limit }),
    memoryWatch: deps.memoryWatch,
    ...(deps.reaper === undefined ? {} : { reaper: deps.reaper }),
    signal: context.signal,
    output: write,
  });

  if (end.spawnError !== undefined) {
    return { success: false, error: await spawnErrorMessage(end.spawnError, file, config.cwd) };
  }
  if (end.killed !== undefined) {
    // On its own line, after whatever the job printed, as Dkron appends it to the output.
    context.output.write(`${endsWithNewline ? '' : '\n'}${killMessage(config, end.killed, end)}\n`);
    return { success: false, error: end.code === 0 ? 'signal: killed' : exitError(end.code, end.signal) };
  }
  if (end.code === 0) return { success: true };
  return { success: false, error: exitError(end.code, end.signal) };
}

function toArgv(config: ShellConfig, shellPath: string): string[] | string {
  if (config.shell) return [shellPath, '-c', config.command];
  try {
    const words = splitCommand(config.command);
    return words.length === 0 ? 'shell: Command missing' : words;
  } catch (error) {
    if (error instanceof CommandLineError) return error.message;
    throw error;
  }
}

function killMessage(config: ShellConfig, killed: KillReason, end: CommandEnd): string {
  const outcome = end.killFailed ? 'SIGKILL returned error. Job may not have been killed' : 'Job was killed';
  const job = `shell: Job '${config.command}'`;
  switch (killed.reason) {
    case 'timeout':
      return `${job} execution time exceeding defined timeout ${formatGoDuration(config.timeout)}. ${outcome}`;
    case 'memory':
      return `${job} memory usage (${killed.bytes} bytes) exceeding defined limit (${config.mem_limit} bytes). ${outcome}`;
    case 'cancelled':
      return `${job} was cancelled. ${outcome}`;
  }
}
