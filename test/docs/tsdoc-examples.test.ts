import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The kit's TSDoc is what third-party authors read: its examples may use only what the packages
// export, never the kernel's registry or a deep import.
const root = fileURLToPath(new URL('../..', import.meta.url));
const KIT = ['packages/plugin-api', 'packages/plugin-testing'];

async function kitDirs(): Promise<string[]> {
  const plugins = (await readdir(join(root, 'plugins'))).map((p) => `plugins/${p}`);
  return [...KIT, ...plugins, 'examples/executor-template'];
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.test(-d)?\.ts$/.test(entry.name)) out.push(path);
    }
  };
  await walk(join(root, dir, 'src'));
  return out;
}

/** The ```ts blocks inside the file's doc comments, with the leading ` * ` removed. */
function examples(text: string): string[] {
  const blocks: string[] = [];
  for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
    const body = comment
      .split('\n')
      .map((line) => line.replace(/^\s*\/?\*+\/?\s?/, ''))
      .join('\n');
    for (const m of body.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) blocks.push(m[1] as string);
  }
  return blocks;
}

const PUBLIC_NAME = /^@dkron-core\/[a-z-]+$|^vitest$|^node:[a-z/]+$/;

async function exportedNames(pkg: string): Promise<Set<string>> {
  const dir = pkg.replace('@dkron-core/', '');
  const candidates = [`packages/${dir}`, `plugins/${dir}`];
  for (const c of candidates) {
    const text = await readFile(join(root, c, 'src/index.ts'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const names = new Set<string>();
    for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
      for (const part of (m[1] as string).split(',')) {
        const name = part
          .replace(/^\s*type\s+/, '')
          .split(/\s+as\s+/)
          .at(-1)
          ?.trim();
        if (name) names.add(name);
      }
    }
    for (const m of text.matchAll(
      /export\s+(?:async\s+)?(?:function|const|class|interface|type)\s+([A-Za-z0-9_]+)/g,
    )) {
      names.add(m[1] as string);
    }
    return names;
  }
  throw new Error(`no package ${pkg} in this repository`);
}

describe('TSDoc examples of the plugin kit', () => {
  it('import only public names of public packages and never the kernel', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const dir of await kitDirs()) {
      // A package's examples may import the package itself by its published name.
      const own = (JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8')) as { name: string })
        .name;
      for (const file of await sources(dir)) {
        const where = relative(root, file);
        for (const code of examples(await readFile(file, 'utf8'))) {
          checked++;
          if (/createPluginRegistry|\bregistry\.|@dkron-core\/kernel/.test(code)) {
            problems.push(`${where}: uses the kernel's registry`);
          }
          for (const m of code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
            const spec = m[2] as string;
            if (spec === own && !spec.startsWith('@dkron-core/')) continue;
            if (!PUBLIC_NAME.test(spec)) {
              problems.push(`${where}: imports ${spec}, not a public package entry`);
              continue;
            }
            if (!spec.startsWith('@dkron-core/')) continue;
            const names = await exportedNames(spec).catch(() => undefined);
            if (names === undefined) continue; // the example's own package (a third-party name)
            for (const part of (m[1] as string).split(',')) {
              const name = part
                .replace(/^\s*type\s+/, '')
                .split(/\s+as\s+/)[0]
                ?.trim();
              if (name && !names.has(name)) problems.push(`${where}: ${spec} does not export ${name}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(3);
  });
});
