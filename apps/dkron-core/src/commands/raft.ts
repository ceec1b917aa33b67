/**
 * `dkron-core leave`, `dkron-core raft list-peers` and `raft remove-peer`: Dkron's commands, over the
 * servers' `ServerPeers` gRPC service on `--rpc-addr`, signed with the cluster's `--encrypt` key like
 * every node-to-node call. Only servers whose embedded rqlited joined the others (`agent --server --join`)
 * serve it.
 */

import { readFileSync } from 'node:fs';
import { callPeer, JoinInfoError, type NodeTls, type PeerMethod, type RaftPeer } from '@dkron-core/cluster';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { checkEncryptKey } from '../config/checks.js';
import { UsageError } from '../config/errors.js';
import { renderCommandHelp } from './help.js';
import { type CliContext, type Command, EXIT, type FlagDoc } from './types.js';

const RPC_ADDR: FlagDoc = {
  name: 'rpc-addr',
  takesValue: true,
  placeholder: 'addr',
  default: '127.0.0.1:6868',
  description: 'gRPC address (host:port of --rpc-port) of the server',
};

const ENCRYPT: FlagDoc = {
  name: 'encrypt',
  takesValue: true,
  placeholder: 'key',
  env: 'DKRON_ENCRYPT',
  description: "the cluster's --encrypt key, which signs the call",
};

/** The servers' node-to-node mTLS (`agent --tls-*`): with it, the call presents a certificate of the CA. */
const TLS_FLAGS: FlagDoc[] = [
  {
    name: 'tls-cert',
    takesValue: true,
    placeholder: 'file',
    description: 'PEM certificate to present (servers started with --tls-cert)',
  },
  { name: 'tls-key', takesValue: true, placeholder: 'file', description: 'PEM private key of --tls-cert' },
  {
    name: 'tls-ca',
    takesValue: true,
    placeholder: 'file',
    description: "PEM CA the server's certificate must chain to",
  },
];

const CALL_TIMEOUT_MS = 10_000;

interface Call {
  readonly address: string;
  readonly key: string;
  readonly tls?: NodeTls;
}

/** `--tls-cert`, `--tls-key`, `--tls-ca`: all three or none, each a readable file. */
function readCallTls(flags: ReadonlyMap<string, readonly string[]>): NodeTls | undefined {
  const files = TLS_FLAGS.map((f) => [f.name, lastFlag(flags, f.name)] as const);
  const given = files.filter(([, v]) => v !== undefined && v !== '');
  if (given.length === 0) return undefined;
  if (given.length < files.length) {
    const missing = files.filter(([, v]) => v === undefined || v === '').map(([n]) => `--${n}`);
    throw new UsageError(`--tls-cert, --tls-key and --tls-ca go together: missing ${missing.join(', ')}`);
  }
  const read = (name: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UsageError(`--${name}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const [cert, key, ca] = given.map(([n, v]) => read(n, v as string)) as [Buffer, Buffer, Buffer];
  return { cert, key, ca };
}

function lastFlag(flags: ReadonlyMap<string, readonly string[]>, name: string): string | undefined {
  return flags.get(name)?.at(-1);
}

function readCall(flags: ReadonlyMap<string, readonly string[]>, context: CliContext, path: string): Call {
  const key = lastFlag(flags, 'encrypt') ?? context.env.DKRON_ENCRYPT ?? '';
  if (key === '') {
    throw new UsageError(
      `--encrypt (or DKRON_ENCRYPT) is required: the servers accept calls signed with the cluster's key only (see dkron-core ${path} --help)`,
    );
  }
  const problem = checkEncryptKey(key);
  if (problem) throw new UsageError(`--encrypt: ${problem}`);
  const tls = readCallTls(flags);
  return { address: lastFlag(flags, 'rpc-addr') ?? '127.0.0.1:6868', key, ...(tls ? { tls } : {}) };
}

async function call(target: Call, method: PeerMethod, request: object): Promise<Record<string, unknown>> {
  const { reply } = await callPeer(target.address, method, request, {
    nodeName: 'dkron-core-cli',
    version: '',
    key: target.key,
    tls: target.tls,
    timeoutMs: CALL_TIMEOUT_MS,
  });
  return reply;
}

type Action = (args: ReturnType<typeof parseArgv>, target: Call, context: CliContext) => Promise<void>;

function peerCommand(command: Omit<Command, 'run'>, path: string, action: Action): Command {
  const full: Command = {
    ...command,
    async run(argv, context) {
      const args = parseArgv(argv, command.flags, path);
      if (args.help) {
        context.stdout(renderCommandHelp(full, path));
        return EXIT.ok;
      }
      expectNoPositionals(args, path);
      const target = readCall(args.flags, context, path);
      try {
        await action(args, target, context);
        return EXIT.ok;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        const unimplemented = err instanceof JoinInfoError && err.unimplemented;
        context.stderr(
          unimplemented
            ? `${target.address} is not a server of an embedded cluster (only servers started with --join serve ${path})\n`
            : `${path}: ${(err as Error).message}\n`,
        );
        return EXIT.failure;
      }
    },
  };
  return full;
}

/** Dkron's `raft list-peers` table: `Node ID Address State Voter`, padded to columns. */
export function formatPeers(peers: readonly RaftPeer[]): string {
  const rows = [
    ['Node', 'ID', 'Address', 'State', 'Voter'],
    ...peers.map((p) => [p.id, p.id, p.address, p.leader ? 'leader' : 'follower', String(p.voter)]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map(
      (r) =>
        `${r
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** `dkron-core leave`. */
export const leaveCommand = peerCommand(
  {
    name: 'leave',
    summary: 'Ask a server to leave the cluster (its Raft group and the leader election) and stop',
    usage: 'leave [flags]',
    flags: [RPC_ADDR, ENCRYPT, ...TLS_FLAGS],
  },
  'leave',
  async (_args, target, context) => {
    const reply = await call(target, 'Leave', {});
    context.stdout(`${String(reply.name ?? target.address)} is leaving the cluster\n`);
  },
);

const listPeers = peerCommand(
  {
    name: 'list-peers',
    summary: 'List the Raft peers of the servers',
    usage: 'raft list-peers [flags]',
    flags: [RPC_ADDR, ENCRYPT, ...TLS_FLAGS],
  },
  'raft list-peers',
  async (_args, target, context) => {
    const reply = await call(target, 'ListPeers', {});
    // proto3 leaves false and empty fields out of the message.
    const peers = ((reply.peers ?? []) as Partial<RaftPeer>[]).map((p) => ({
      id: p.id ?? '',
      address: p.address ?? '',
      leader: p.leader === true,
      voter: p.voter === true,
      reachable: p.reachable === true,
    }));
    context.stdout(formatPeers(peers));
  },
);

const removePeer = peerCommand(
  {
    name: 'remove-peer',
    summary: 'Remove a server from the Raft configuration',
    usage: 'raft remove-peer --peer-id <id> [flags]',
    flags: [
      RPC_ADDR,
      ENCRYPT,
      ...TLS_FLAGS,
      {
        name: 'peer-id',
        takesValue: true,
        placeholder: 'id',
        description: 'Raft id (node name) of the server to remove',
      },
    ],
  },
  'raft remove-peer',
  async (args, target, context) => {
    const id = lastFlag(args.flags, 'peer-id') ?? '';
    if (id === '') throw new UsageError('raft remove-peer: --peer-id is required');
    await call(target, 'RemovePeer', { id });
    context.stdout(`removed peer ${id}\n`);
  },
);

/** `dkron-core raft`. */
export const raftCommand: Command = {
  name: 'raft',
  summary: 'Inspect and change the Raft configuration of the servers',
  usage: 'raft <command> [flags]',
  flags: [],
  subcommands: [listPeers, removePeer],
  async run() {
    // Dispatched to subcommands by the caller; reaching here means none was named.
    return EXIT.usage;
  },
};
