/**
 * Plain-text help rendered from the command table.
 */

import type { Command, FlagDoc } from './types.js';

const HELP_FLAG: FlagDoc = { name: 'help', short: 'h', takesValue: false, description: 'show this help' };
const MAX_LEFT = 38;

/** The left column of a flag: `-n, --count <n>`. */
export function flagSignature(flag: FlagDoc): string {
  const value = flag.takesValue ? ` <${flag.placeholder ?? 'value'}>` : '';
  return `${flag.short ? `-${flag.short}, ` : '    '}--${flag.name}${value}`;
}

/** The right column of a flag: description, default and environment variable. */
export function flagDetails(flag: FlagDoc): string {
  const notes = [
    ...(flag.default !== undefined ? [`default ${flag.default}`] : []),
    ...(flag.env ? [`env ${flag.env}`] : []),
  ];
  return notes.length > 0 ? `${flag.description} (${notes.join('; ')})` : flag.description;
}

function table(
  rows: ReadonlyArray<readonly [string, string]>,
  width = Math.min(MAX_LEFT, Math.max(...rows.map(([left]) => left.length))),
): string {
  return rows
    .map(([left, right]) =>
      left.length > width
        ? `  ${left}\n  ${' '.repeat(width)}  ${right}`
        : `  ${left.padEnd(width)}  ${right}`,
    )
    .join('\n');
}

function flagSections(flags: readonly FlagDoc[]): string[] {
  const all = [...flags, HELP_FLAG];
  const groups = new Map<string, FlagDoc[]>();
  for (const flag of all) {
    const group = flag.group ?? 'Flags';
    groups.set(group, [...(groups.get(group) ?? []), flag]);
  }
  // One column width for all groups, so the sections line up.
  const width = Math.max(...all.map((f) => flagSignature(f).length).filter((n) => n <= MAX_LEFT));
  return [...groups].map(
    ([group, list]) =>
      `${group}:\n${table(
        list.map((f) => [flagSignature(f), flagDetails(f)] as const),
        width,
      )}`,
  );
}

/** Help of one command; `path` is its full name (`raft list-peers`). */
export function renderCommandHelp(command: Command, path: string): string {
  const parts = [`${command.summary}`, `Usage:\n  dkron-core ${command.usage}`];
  if (command.description) parts.push(command.description);
  if (command.subcommands?.length) {
    parts.push(`Commands:\n${table(command.subcommands.map((c) => [c.name, c.summary] as const))}`);
  }
  parts.push(...flagSections(command.flags));
  for (const section of command.sections ?? []) parts.push(`${section.title}:\n${section.body}`);
  if (command.examples?.length) parts.push(`Examples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`);
  if (command.subcommands?.length)
    parts.push(`Run "dkron-core ${path} <command> --help" for a command's flags.`);
  return `${parts.join('\n\n')}\n`;
}

/** Help of `dkron-core` itself. */
export function renderRootHelp(commands: readonly Command[]): string {
  return [
    'dkron-core: a distributed, fault-tolerant cron, compatible with Dkron.\n' +
      'Servers join each other (agent --server --join, their embedded rqlited nodes form one Raft group) or share an rqlite cluster (--rqlite-url) and elect one leader; plain agents join a server (agent --join).',
    'Usage:\n  dkron-core <command> [flags]',
    `Commands:\n${table([...commands.map((c) => [c.name, c.summary] as const), ['help', 'show help of a command']])}`,
    'Run "dkron-core <command> --help" for a command\'s flags.',
  ]
    .join('\n\n')
    .concat('\n');
}
