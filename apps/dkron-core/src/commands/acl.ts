/**
 * `dkron-core acl …`: Dkron Pro's ACL commands, over the server's `/v1/acl` routes. Like `backup`,
 * each reaches the server of `--http-addr` and sends the caller's `--token` (or `DKRON_TOKEN`).
 */

import { readFile } from 'node:fs/promises';
import { expectNoPositionals, type ParsedArgv, parseArgv } from '../config/argv.js';
import { UsageError } from '../config/errors.js';
import { renderCommandHelp } from './help.js';
import { ADDR_FLAG, apiClient, TOKEN_FLAG } from './http-client.js';
import { type CliContext, type Command, EXIT, type FlagDoc } from './types.js';

/** A token as the server answers. */
interface Token {
  readonly accessor_id: string;
  readonly secret?: string;
  readonly name: string;
  readonly type: string;
  readonly policies: readonly string[];
  readonly create_time: string;
}

/** A policy as the server answers. */
interface Policy {
  readonly name: string;
  readonly description: string;
  readonly builtin: boolean;
  readonly rules: unknown;
}

const SERVER_FLAGS: readonly FlagDoc[] = [ADDR_FLAG, TOKEN_FLAG];

function flag(name: string, description: string, placeholder = 'value'): FlagDoc {
  return { name, takesValue: true, placeholder, description };
}

/** A command of `acl` whose `run` gets parsed flags (help handled here). */
function aclCommand(
  path: string,
  command: Omit<Command, 'run' | 'flags'> & { readonly flags: readonly FlagDoc[] },
  run: (args: ParsedArgv, context: CliContext) => Promise<number>,
): Command {
  const full: Command = {
    ...command,
    flags: [...command.flags, ...SERVER_FLAGS],
    async run(argv, context) {
      const args = parseArgv(argv, full.flags, path);
      if (args.help) {
        context.stdout(renderCommandHelp(full, path));
        return EXIT.ok;
      }
      return run(args, context);
    },
  };
  return full;
}

function one(args: ParsedArgv, name: string): string | undefined {
  return args.flags.get(name)?.at(-1);
}

/** `--<flagName>`, or else the one positional argument. */
function nameOf(args: ParsedArgv, path: string, flagName: string): string {
  const given = one(args, flagName);
  const [positional, ...extra] = args.positionals;
  const unexpected = given === undefined ? extra[0] : positional;
  if (unexpected !== undefined) {
    throw new UsageError(`unexpected argument ${JSON.stringify(unexpected)} (see dkron-core ${path} --help)`);
  }
  const value = given ?? positional;
  if (value === undefined || value === '') {
    throw new UsageError(`${path}: --${flagName} is required (see dkron-core ${path} --help)`);
  }
  return value;
}

/** Dkron Pro's token printout. */
function printToken(token: Token, context: CliContext): void {
  const policies =
    token.policies.length > 0 ? token.policies.join(', ') : 'none (a management token may do everything)';
  const lines = [
    ['Accessor ID', token.accessor_id],
    ...(token.secret === undefined ? [] : [['Secret', token.secret]]),
    ['Name', token.name],
    ['Type', token.type],
    ['CreateTime', token.create_time],
    ['Policies', policies],
  ];
  for (const [label, value] of lines) context.stdout(`${`${label}:`.padEnd(13)} ${value}\n`);
}

function table(rows: readonly (readonly string[])[], context: CliContext): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const row of rows)
    context.stdout(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}

const bootstrap = aclCommand(
  'acl bootstrap',
  {
    name: 'bootstrap',
    summary: 'Create the first management token and print its secret (once per cluster)',
    usage: 'acl bootstrap [--http-addr <url>]',
    description:
      'Works once, on a server started with --acl-enabled. Keep the secret: it is shown only here.',
    flags: [],
    examples: ['dkron-core acl bootstrap --http-addr http://127.0.0.1:8080'],
  },
  async (args, context) => {
    expectNoPositionals(args, 'acl bootstrap');
    printToken(await apiClient(args.flags, context).json<Token>('POST', '/v1/acl/bootstrap'), context);
    return EXIT.ok;
  },
);

const policyApply = aclCommand(
  'acl policy apply',
  {
    name: 'apply',
    summary: 'Create or replace a policy from a rules file',
    usage: 'acl policy apply --name <name> --rules-file <file> [--description <text>]',
    description:
      'The rules file is Dkron Pro\'s JSON: {"path": {"/v1/jobs/team-a-*": {"capabilities": ["read", "update"]}}}.\n' +
      'Globs: * within one path segment, ** across segments. Capabilities: create, read, update, delete, list.',
    flags: [
      flag('name', 'policy name', 'name'),
      flag('rules-file', 'JSON file with the rules ({"path": {...}})', 'file'),
      flag('description', 'what the policy is for', 'text'),
    ],
    examples: ['dkron-core acl policy apply --name team-a --rules-file team-a.json --token "$DKRON_TOKEN"'],
  },
  async (args, context) => {
    expectNoPositionals(args, 'acl policy apply');
    const name = nameOf(args, 'acl policy apply', 'name');
    const file = one(args, 'rules-file');
    if (!file)
      throw new UsageError(
        'acl policy apply: --rules-file is required (see dkron-core acl policy apply --help)',
      );
    let rules: unknown;
    try {
      rules = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new UsageError(
        `--rules-file: cannot read ${file} as JSON: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const description = one(args, 'description');
    const body = { rules, ...(description === undefined ? {} : { description }) };
    const policy = await apiClient(args.flags, context).json<Policy>(
      'PUT',
      `/v1/acl/policies/${encodeURIComponent(name)}`,
      body,
    );
    context.stdout(`Policy ${policy.name} applied\n`);
    return EXIT.ok;
  },
);

const policyList = aclCommand(
  'acl policy list',
  { name: 'list', summary: 'List policies', usage: 'acl policy list', flags: [] },
  async (args, context) => {
    expectNoPositionals(args, 'acl policy list');
    const policies = await apiClient(args.flags, context).json<Policy[]>('GET', '/v1/acl/policies');
    table(
      [
        ['Name', 'Built-in', 'Description'],
        ...policies.map((p) => [p.name, p.builtin ? 'yes' : 'no', p.description]),
      ],
      context,
    );
    return EXIT.ok;
  },
);

const policyDelete = aclCommand(
  'acl policy delete',
  {
    name: 'delete',
    summary: 'Delete a policy that no token uses',
    usage: 'acl policy delete --name <name>',
    flags: [flag('name', 'policy name (or give it as the argument)', 'name')],
  },
  async (args, context) => {
    const name = nameOf(args, 'acl policy delete', 'name');
    await apiClient(args.flags, context).json('DELETE', `/v1/acl/policies/${encodeURIComponent(name)}`);
    context.stdout(`Policy ${name} deleted\n`);
    return EXIT.ok;
  },
);

const tokenCreate = aclCommand(
  'acl token create',
  {
    name: 'create',
    summary: 'Create a token and print its secret',
    usage: 'acl token create --name <name> [--type client|management] --policy <policy> [--policy …]',
    description:
      'A client token may do what its policies grant (built in: default, read-only); a management token everything.',
    flags: [
      flag('name', 'token name, shown in lists and the audit log', 'name'),
      flag('type', 'client (default) or management', 'type'),
      flag('policy', 'a policy of a client token; repeat for more', 'policy'),
    ],
    examples: ['dkron-core acl token create --name ci --type client --policy default'],
  },
  async (args, context) => {
    expectNoPositionals(args, 'acl token create');
    const name = nameOf(args, 'acl token create', 'name');
    const type = one(args, 'type') ?? 'client';
    const policies = (args.flags.get('policy') ?? []).flatMap((p) =>
      p
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );
    const token = await apiClient(args.flags, context).json<Token>('POST', '/v1/acl/tokens', {
      name,
      type,
      policies,
    });
    printToken(token, context);
    return EXIT.ok;
  },
);

const tokenList = aclCommand(
  'acl token list',
  { name: 'list', summary: 'List tokens (never their secrets)', usage: 'acl token list', flags: [] },
  async (args, context) => {
    expectNoPositionals(args, 'acl token list');
    const tokens = await apiClient(args.flags, context).json<Token[]>('GET', '/v1/acl/tokens');
    table(
      [
        ['Accessor ID', 'Name', 'Type', 'Policies', 'CreateTime'],
        ...tokens.map((t) => [t.accessor_id, t.name, t.type, t.policies.join(',') || '-', t.create_time]),
      ],
      context,
    );
    return EXIT.ok;
  },
);

const tokenRevoke = aclCommand(
  'acl token revoke',
  {
    name: 'revoke',
    summary: 'Revoke a token',
    usage: 'acl token revoke <accessor-id>',
    flags: [flag('accessor-id', 'the accessor id (or give it as the argument)', 'id')],
  },
  async (args, context) => {
    const accessor = nameOf(args, 'acl token revoke', 'accessor-id');
    const token = await apiClient(args.flags, context).json<Token>(
      'DELETE',
      `/v1/acl/tokens/${encodeURIComponent(accessor)}`,
    );
    context.stdout(`Token ${token.accessor_id} (${token.name}) revoked\n`);
    return EXIT.ok;
  },
);

function group(name: string, summary: string, subcommands: readonly Command[]): Command {
  return {
    name,
    summary,
    usage: `acl ${name} <command> [flags]`,
    flags: [],
    subcommands,
    async run() {
      return EXIT.usage;
    },
  };
}

/** `dkron-core acl`. */
export const aclCommandGroup: Command = {
  name: 'acl',
  summary: 'Manage ACL tokens and policies (servers started with --acl-enabled)',
  usage: 'acl <command> [flags]',
  description:
    "Dkron Pro's ACL commands: bootstrap the first management token, apply policies, create and revoke\n" +
    'tokens. Every command calls the server of --http-addr with the token of --token or DKRON_TOKEN.',
  flags: [],
  subcommands: [
    bootstrap,
    group('policy', 'Apply, list and delete policies', [policyApply, policyList, policyDelete]),
    group('token', 'Create, list and revoke tokens', [tokenCreate, tokenList, tokenRevoke]),
  ],
  async run() {
    return EXIT.usage;
  },
};
