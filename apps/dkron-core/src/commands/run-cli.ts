/**
 * Dispatches `dkron-core <command> [args]` and turns usage errors into status 2.
 */

import { isUsageError, UsageError } from '../config/errors.js';
import { suggest } from '../config/suggest.js';
import { aclCommandGroup } from './acl.js';
import { agentCommand } from './agent.js';
import { backupCommand, restoreCommand } from './backup.js';
import { createDocCommand } from './doc.js';
import { renderCommandHelp, renderRootHelp } from './help.js';
import { keygenCommand } from './keygen.js';
import { leaveCommand, raftCommand } from './raft.js';
import { scheduleCommand } from './schedule.js';
import { type CliContext, type Command, EXIT } from './types.js';
import { versionCommand } from './version.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  agentCommand,
  versionCommand,
  keygenCommand,
  scheduleCommand,
  createDocCommand(() => COMMANDS),
  backupCommand,
  restoreCommand,
  aclCommandGroup,
  leaveCommand,
  raftCommand,
];

function unknownCommand(name: string, among: readonly Command[], parent: string): UsageError {
  const hint = suggest(
    name,
    among.map((c) => c.name),
  );
  const see = parent === 'dkron-core' ? 'dkron-core --help' : `${parent} --help`;
  return new UsageError(
    `unknown command ${JSON.stringify(name)} for "${parent}"${hint ? `, did you mean ${hint}?` : ''} (see ${see})`,
  );
}

/** Runs the CLI; resolves to the exit status. Failures other than usage errors are thrown. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    return await dispatch(argv, context);
  } catch (err) {
    if (!isUsageError(err)) throw err;
    context.stderr(`${err.message}\n`);
    return EXIT.usage;
  }
}

async function dispatch(argv: readonly string[], context: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    context.stdout(renderRootHelp(COMMANDS));
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') return versionCommand.run([], context);
  if (first === 'help') return help(rest, context);
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw unknownCommand(first, COMMANDS, 'dkron-core');
  return runCommand(command, rest, first, context);
}

async function runCommand(command: Command, argv: readonly string[], path: string, context: CliContext) {
  const subcommands = command.subcommands;
  if (!subcommands) return command.run(argv, context);
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    context.stdout(renderCommandHelp(command, path));
    return EXIT.ok;
  }
  if (name === undefined) {
    context.stderr(renderCommandHelp(command, path));
    return EXIT.usage;
  }
  const sub = subcommands.find((c) => c.name === name);
  if (!sub) throw unknownCommand(name, subcommands, `dkron-core ${path}`);
  return runCommand(sub, rest, `${path} ${name}`, context);
}

/** `dkron-core help [command [subcommand]]`. */
function help(path: readonly string[], context: CliContext): number {
  let among = COMMANDS;
  let command: Command | undefined;
  const names: string[] = [];
  for (const name of path) {
    command = among.find((c) => c.name === name);
    if (!command)
      throw unknownCommand(name, among, names.length ? `dkron-core ${names.join(' ')}` : 'dkron-core');
    names.push(name);
    among = command.subcommands ?? [];
  }
  context.stdout(command ? renderCommandHelp(command, names.join(' ')) : renderRootHelp(COMMANDS));
  return EXIT.ok;
}
