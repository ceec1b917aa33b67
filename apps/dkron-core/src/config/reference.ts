/**
 * docs/configuration.md, generated from the option table (options.ts) so the reference cannot drift
 * from what the agent reads: `npx --yes pnpm@10.34.9 run docs` rewrites it, and a test fails when
 * the committed page differs.
 */

import { defaultText } from '../commands/agent.js';
import { CONFIG_FILE_NAMES, configSearchDirs } from './config-file.js';
import {
  AGENT_OPTIONS,
  CLUSTER_ONLY,
  IGNORED_KEYS,
  OPTION_GROUPS,
  type OptionSpec,
  optionEnv,
  PRO_KEYS,
  RESERVED_TAGS,
} from './options.js';

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text: string): string => `\`${text}\``;

const KIND: Readonly<Record<OptionSpec['kind'], string>> = {
  bool: 'boolean',
  string: 'text',
  choice: 'one of',
  int: 'integer',
  duration: 'duration',
  list: 'list',
  'tag-list': 'key=value list',
  'tag-map': 'mapping',
  plugins: 'list of plugins',
};

function kindOf(option: OptionSpec): string {
  if (option.kind === 'choice') return `one of ${option.choices.map(code).join(', ')}`;
  if (option.kind === 'int') {
    return option.max === undefined ? `integer ≥ ${option.min}` : `integer ${option.min}–${option.max}`;
  }
  return KIND[option.kind];
}

function row(option: OptionSpec): string {
  const flag = option.fileOnly
    ? '—'
    : code(`--${option.name}${option.kind === 'bool' ? '' : ` <${option.placeholder ?? 'value'}>`}`);
  const env = option.kind === 'plugins' ? '—' : code(optionEnv(option));
  const shown = defaultText(option);
  const notes = [
    option.description,
    ...(CLUSTER_ONLY.has(option.name)
      ? ['**No effect in this single-server build** (a warning at start).']
      : []),
    ...(option.noEffect ? [`**No effect**: ${option.noEffect} (a warning at start).`] : []),
    ...(option.deprecated ? [`Deprecated: ${option.deprecated}.`] : []),
  ];
  return `| ${[flag, env, code(option.name), cell(kindOf(option)), shown === undefined ? '' : code(cell(shown)), cell(notes.join(' '))].join(' | ')} |`;
}

/** The Markdown of docs/configuration.md. */
export function renderConfigReference(): string {
  const dirs = configSearchDirs({ cwd: '.', home: '$HOME', etcDir: '/etc/dkron' }).map((d) =>
    d === '.' ? 'the working directory' : code(d.startsWith('/') || d.startsWith('$') ? d : `./${d}`),
  );
  const out = [
    '<!-- Generated from apps/dkron-core/src/config/options.ts: `npx --yes pnpm@10.34.9 run docs` rewrites it (a test fails when it is stale). Do not edit. -->',
    '',
    '# Configuration reference',
    '',
    'Every setting of `dkron-core agent`, from the table the agent itself reads. Each one can be given as',
    'a flag, as an environment variable, or as a key of the config file; **flags win over the environment,',
    'which wins over the file**, which wins over the defaults (as Dkron, which uses viper).',
    '',
    '- **Flags**: `--name value` or `--name=value`; booleans as `--name` or `--name=false`; list flags',
    '  repeat or take commas (`--tag a=1 --tag b=2`, `--join x,y`).',
    '- **Environment**: `DKRON_` and the flag name in upper case with `-` as `_`. An empty variable counts',
    '  as unset. A `DKRON_*` variable that no setting reads is named in a warning at start, with the',
    '  closest name when it looks like a typo.',
    `- **Config file**: \`--config <path>\`, else the first ${CONFIG_FILE_NAMES.map(code).join(', ')} found in`,
    `  ${dirs.join(', ')}. YAML or JSON; keys are the names below, with \`-\` or \`_\`, in any case. Unknown keys`,
    '  are named in a warning (with "did you mean").',
    '- **Durations** are Go durations (`30s`, `5m`, `1h30m`).',
    '- The data dir is resolved against the working directory and logged as an absolute path at start.',
    '',
    'Servers sharing an external rqlite (`--rqlite-url`) elect one leader; the rest of clustering is not',
    'built yet: the settings marked *no effect* are accepted so Dkron configurations load, and each one set',
    'is named in a warning at start.',
  ];
  for (const group of OPTION_GROUPS) {
    const options = AGENT_OPTIONS.filter((o) => o.group === group);
    if (options.length === 0) continue;
    out.push(
      '',
      `## ${group}`,
      '',
      '| Flag | Environment | Config key | Type | Default | Meaning |',
      '| --- | --- | --- | --- | --- | --- |',
      ...options.map(row),
    );
  }
  out.push(
    '',
    '## Reserved tags',
    '',
    'Every node sets these tags itself, as Dkron does. A `tag`/`tags` setting naming one of them is refused',
    'at start (it would be overwritten, and jobs targeting it would never run):',
    '',
    '| Tag | Why |',
    '| --- | --- |',
    ...Object.entries(RESERVED_TAGS).map(([name, why]) => `| ${code(name)} | ${cell(why)} |`),
    '',
    '## Keys read and ignored',
    '',
    `- Dkron Pro settings, ignored with a warning: ${[...PRO_KEYS].map(code).join(', ')}.`,
    `- Accepted for Dkron compatibility without a warning: ${[...IGNORED_KEYS].map(code).join(', ')}.`,
    '',
  );
  return out.join('\n');
}
