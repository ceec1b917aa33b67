import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginRegistry } from '@dkron-core/kernel';
import { isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../apps/dkron-core/src/plugins/builtin.js';

// Every built-in plugin's README is what a user configures a job from: its config table lists every
// key the server takes (and no other), says which are required, gives defaults that mean what the
// server does when the key is left out, and its example job is accepted.
const root = fileURLToPath(new URL('../..', import.meta.url));

const registry = createPluginRegistry({
  nodeName: 'n1',
  logger: { debug() {}, info() {}, warn() {}, error() {} },
});
for (const plugin of builtinPlugins()) await registry.register(plugin);
const catalog = registry.catalog();

type Kind = 'executor' | 'processor';
interface Entry {
  readonly kind: Kind;
  readonly name: string;
  readonly dir: string;
  readonly schema: { properties?: Record<string, { default?: unknown }>; required?: string[] };
}

const entries: Entry[] = [
  ...catalog.executors.map((e) => ({ kind: 'executor' as const, ...e })),
  ...catalog.processors.map((p) => ({ kind: 'processor' as const, ...p })),
].map((e) => ({
  kind: e.kind,
  name: e.name,
  dir: `plugins/${e.plugin.replace('@dkron-core/', '')}`,
  schema: e.config as Entry['schema'],
}));

function parse(entry: Entry, config: unknown): unknown {
  if (entry.kind === 'executor') {
    registry.validateExecutorConfig(entry.name, config);
    return registry.executor(entry.name)?.definition.config.parse(config, 'executor_config');
  }
  registry.validateProcessors({ [entry.name]: config });
  return registry.processor(entry.name)?.definition.config.parse(config, `processors.${entry.name}`);
}

function refusal(entry: Entry, config: unknown): string | undefined {
  try {
    parse(entry, config);
    return undefined;
  } catch (error) {
    if (!isDkronError(error)) throw error;
    return error.message;
  }
}

interface Row {
  readonly key: string;
  readonly fallback: string;
}

/** The rows of the first table after a heading about the config (`## Config keys`, `## \`executor_config\``). */
function configTable(readme: string): Row[] {
  const lines = readme.split('\n');
  const heading = lines.findIndex((l) => /^##\s.*(config|executor_config)/i.test(l));
  if (heading < 0) return [];
  const rows: Row[] = [];
  for (const line of lines.slice(heading + 1)) {
    if (/^##\s/.test(line)) break;
    const m = /^\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (m !== null) rows.push({ key: m[1] as string, fallback: m[2] as string });
    else if (rows.length > 0 && !line.startsWith('|')) break;
  }
  return rows;
}

/** The job documents of the README's code blocks (a JSON block, or the body of `curl -d '…'`). */
function exampleJobs(readme: string): Array<Record<string, unknown>> {
  const jobs: Array<Record<string, unknown>> = [];
  for (const m of readme.matchAll(/```(json|sh|bash)\n([\s\S]*?)```/g)) {
    const body = m[1] === 'json' ? (m[2] as string) : /-d\s+'([\s\S]*?)'/.exec(m[2] as string)?.[1];
    if (body === undefined) continue;
    try {
      const job = JSON.parse(body) as unknown;
      if (typeof job === 'object' && job !== null && !Array.isArray(job))
        jobs.push(job as Record<string, unknown>);
    } catch {
      // Not a job document (a config file, a shell session).
    }
  }
  return jobs;
}

function configOf(entry: Entry, job: Record<string, unknown>): unknown {
  if (entry.kind === 'executor') return job.executor === entry.name ? job.executor_config : undefined;
  return (job.processors as Record<string, unknown> | undefined)?.[entry.name];
}

/** A default cell as the value a user would type: `""` is the empty string, else the text itself. */
function typed(cell: string): string | undefined {
  const m = /^`([^`]*)`$/.exec(cell);
  if (m === null) return undefined;
  return m[1] === '""' ? '' : (m[1] as string);
}

describe('built-in plugin READMEs', () => {
  it('cover all the built-in plugins', () => {
    expect(entries.map((e) => e.name).sort()).toEqual([
      'files',
      'fluent',
      'gcppubsub',
      'grpc',
      'http',
      'kafka',
      'log',
      'nats',
      'rabbitmq',
      'shell',
      'syslog',
    ]);
  });

  describe.each(entries)('$dir ($kind $name)', (entry) => {
    const read = () => readFile(join(root, entry.dir, 'README.md'), 'utf8');

    it('list exactly the config keys the server takes, and which are required', async () => {
      const rows = configTable(await read());
      expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(entry.schema.properties ?? {}).sort());
      const required = rows.filter((r) => r.fallback === 'required').map((r) => r.key);
      expect(required.sort()).toEqual([...(entry.schema.required ?? [])].sort());
    });

    it('give an example job the server accepts', async () => {
      const configs = exampleJobs(await read())
        .map((job) => configOf(entry, job))
        .filter((c) => c !== undefined);
      expect(configs.length, 'no example job for it').toBeGreaterThan(0);
      for (const config of configs) expect(refusal(entry, config), JSON.stringify(config)).toBeUndefined();
    });

    it('and the TSDoc of its package give job examples the server accepts', async () => {
      const source = await readFile(join(root, entry.dir, 'src/index.ts'), 'utf8');
      const docs = (source.match(/\/\*\*[\s\S]*?\*\//g) ?? [])
        .map((comment) => comment.replace(/^\s*\/?\*+\/?\s?/gm, ''))
        .join('\n');
      for (const job of exampleJobs(docs)) {
        const config = configOf(entry, job);
        if (config !== undefined) expect(refusal(entry, config), JSON.stringify(config)).toBeUndefined();
      }
    });

    it('give defaults that mean what leaving the key out means', async () => {
      const readme = await read();
      const base = exampleJobs(readme)
        .map((job) => configOf(entry, job))
        .find((c) => c !== undefined) as Record<string, unknown>;
      for (const row of configTable(readme)) {
        const { [row.key]: _, ...without } = base;
        // A key another key needs (saslUsername with saslPassword) cannot be left out of this example.
        if (refusal(entry, without) !== undefined) continue;
        const value = typed(row.fallback);
        const published = entry.schema.properties?.[row.key]?.default;
        if (value === undefined) {
          // "required", "unset", "absent": no default, as published.
          expect(
            published,
            `${row.key}: README "${row.fallback}", published ${JSON.stringify(published)}`,
          ).toBe(undefined);
          continue;
        }
        expect(parse(entry, { ...without, [row.key]: value }), `${row.key} = ${row.fallback}`).toEqual(
          parse(entry, without),
        );
      }
    });
  });
});
