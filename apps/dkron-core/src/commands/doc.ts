/**
 * `dkron-core doc`: Markdown pages of every command and flag, generated from the same tables the
 * parser and `--help` use, with Hugo front matter as `dkron doc` writes.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expectNoPositionals, parseArgv } from '../config/argv.js';
import { flagSignature, renderCommandHelp } from './help.js';
import { type Command, EXIT, type FlagDoc } from './types.js';

/** One generated page. */
export interface DocPage {
  /** File name, e.g. `dkron-core_agent.md`. */
  readonly file: string;
  readonly content: string;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function slugOf(path: readonly string[]): string {
  return ['dkron-core', ...path].join('_');
}

function flagTable(flags: readonly FlagDoc[]): string {
  // The environment column only where some flag has a variable (the agent's).
  const withEnv = flags.some((f) => f.env);
  const groups = new Map<string, FlagDoc[]>();
  for (const flag of flags) groups.set(flag.group ?? '', [...(groups.get(flag.group ?? '') ?? []), flag]);
  return [...groups]
    .map(([group, list]) => {
      const rows = list.map((f) => {
        const cells = [
          `\`${flagSignature(f).trim()}\``,
          ...(withEnv ? [f.env ? `\`${f.env}\`` : ''] : []),
          f.default ? `\`${cell(f.default)}\`` : '',
          cell(f.description),
        ];
        return `| ${cells.join(' | ')} |`;
      });
      const head = withEnv
        ? '| Flag | Environment | Default | Description |'
        : '| Flag | Default | Description |';
      const rule = withEnv ? '|---|---|---|---|' : '|---|---|---|';
      const heading = group === '' ? '' : `#### ${group}\n\n`;
      return `${heading}${head}\n${rule}\n${rows.join('\n')}`;
    })
    .join('\n\n');
}

function page(
  command: Command | undefined,
  path: readonly string[],
  all: readonly Command[],
  parent?: string,
): DocPage {
  const slug = slugOf(path);
  const title = ['dkron-core', ...path].join(' ');
  const lines = ['---', `title: "${title}"`, `slug: ${slug}`, `url: /cli/${slug}/`, '---', `## ${title}`, ''];
  if (!command) {
    lines.push(
      'A distributed, fault-tolerant cron, compatible with Dkron.',
      '',
      '### Commands',
      '',
      ...all.map((c) => `* [dkron-core ${c.name}](${slugOf([c.name])}.md): ${c.summary}`),
    );
    return { file: `${slug}.md`, content: `${lines.join('\n')}\n` };
  }
  lines.push(command.summary, '', '### Synopsis', '');
  if (command.description) lines.push(command.description, '');
  lines.push('```', `dkron-core ${command.usage}`, '```', '');
  if (command.flags.length > 0) lines.push('### Options', '', flagTable(command.flags), '');
  for (const section of command.sections ?? [])
    lines.push(`### ${section.title}`, '', '```', section.body, '```', '');
  if (command.examples?.length) lines.push('### Examples', '', '```', ...command.examples, '```', '');
  lines.push('### See also', '');
  const up = parent ?? 'dkron-core';
  lines.push(`* [${up.replaceAll('_', ' ')}](${up}.md)`);
  for (const sub of command.subcommands ?? []) {
    lines.push(`* [${title} ${sub.name}](${slugOf([...path, sub.name])}.md): ${sub.summary}`);
  }
  return { file: `${slug}.md`, content: `${lines.join('\n')}\n` };
}

/** The pages of `commands` (and their subcommands), plus an index page `dkron-core.md`. */
export function renderDocs(commands: readonly Command[]): DocPage[] {
  const pages = [page(undefined, [], commands)];
  // Depth first, at any depth (`acl policy apply`).
  const visit = (command: Command, path: readonly string[], parent?: string) => {
    pages.push(page(command, path, commands, parent));
    for (const sub of command.subcommands ?? []) visit(sub, [...path, sub.name], slugOf(path));
  };
  for (const command of commands) visit(command, [command.name]);
  return pages;
}

const FLAGS: readonly FlagDoc[] = [
  {
    name: 'dir',
    takesValue: true,
    placeholder: 'dir',
    default: '/tmp/dkrondoc/',
    description: 'directory to write the pages to',
  },
];

/** `dkron-core doc`, documenting the commands `list()` returns (lazy: the list includes this command). */
export function createDocCommand(list: () => readonly Command[]): Command {
  const command: Command = {
    name: 'doc',
    summary: 'Generate Markdown documentation of the commands',
    usage: 'doc [flags]',
    flags: FLAGS,
    async run(argv, context) {
      const args = parseArgv(argv, FLAGS, 'doc');
      if (args.help) {
        context.stdout(renderCommandHelp(command, 'doc'));
        return EXIT.ok;
      }
      expectNoPositionals(args, 'doc');
      const dir = resolve(context.cwd, args.flags.get('dir')?.at(-1) ?? '/tmp/dkrondoc/');
      const pages = renderDocs(list());
      await mkdir(dir, { recursive: true });
      for (const p of pages) await writeFile(join(dir, p.file), p.content);
      context.stdout(`wrote ${pages.length} pages to ${dir}\n`);
      return EXIT.ok;
    },
  };
  return command;
}
