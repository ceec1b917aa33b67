/**
 * `dkron-core leave` and `dkron-core raft …`: accepted with Dkron's flags so scripts get a clear
 * answer, until clustering implements them.
 */

import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { renderCommandHelp } from './help.js';
import { type Command, EXIT, type FlagDoc } from './types.js';

const NOT_SUPPORTED =
  'not supported: this build of dkron-core runs a single server (clustering is not implemented yet)\n';

const RPC_ADDR: FlagDoc = {
  name: 'rpc-addr',
  takesValue: true,
  placeholder: 'addr',
  default: '127.0.0.1:6868',
  description: 'gRPC address of the agent',
};

function notSupported(command: Omit<Command, 'run'>, path: string): Command {
  const full: Command = {
    ...command,
    async run(argv, context) {
      const args = parseArgv(argv, command.flags, path);
      if (args.help) {
        context.stdout(renderCommandHelp(full, path));
        return EXIT.ok;
      }
      expectNoPositionals(args, path);
      context.stderr(NOT_SUPPORTED);
      return EXIT.failure;
    },
  };
  return full;
}

/** `dkron-core leave`. */
export const leaveCommand = notSupported(
  {
    name: 'leave',
    summary: 'Ask an agent to leave the cluster and stop (not in this single-server build)',
    usage: 'leave [flags]',
    flags: [RPC_ADDR],
  },
  'leave',
);

const listPeers = notSupported(
  {
    name: 'list-peers',
    summary: 'List the Raft peers of the cluster',
    usage: 'raft list-peers [flags]',
    flags: [RPC_ADDR],
  },
  'raft list-peers',
);

const removePeer = notSupported(
  {
    name: 'remove-peer',
    summary: 'Remove a server from the Raft configuration',
    usage: 'raft remove-peer --peer-id <id> [flags]',
    flags: [
      RPC_ADDR,
      {
        name: 'peer-id',
        takesValue: true,
        placeholder: 'id',
        description: 'Raft id (node name) of the server to remove',
      },
    ],
  },
  'raft remove-peer',
);

/** `dkron-core raft`. */
export const raftCommand: Command = {
  name: 'raft',
  summary: 'Inspect and change the Raft configuration of the servers (not in this single-server build)',
  usage: 'raft <command> [flags]',
  flags: [],
  subcommands: [listPeers, removePeer],
  async run() {
    // Dispatched to subcommands by the caller; reaching here means none was named.
    return EXIT.usage;
  },
};
