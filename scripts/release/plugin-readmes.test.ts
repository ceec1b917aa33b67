import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestHost } from '@dkron-core/plugin-testing';
import { describe, expect, it } from 'vitest';
import { listPackages, REPO_ROOT } from './rules.mjs';

const plugins = listPackages(REPO_ROOT).filter((p) => p.dir.startsWith('plugins/'));

/** The plugins a package's entry exports: every exported function that, called bare, makes one. */
async function pluginsOf(dir: string) {
  const module = (await import(join(REPO_ROOT, dir, 'src/index.ts'))) as Record<string, unknown>;
  const made = [];
  for (const value of Object.values(module)) {
    if (typeof value !== 'function') continue;
    let plugin: unknown;
    try {
      plugin = value();
    } catch {
      continue; // needs options, or is not a factory
    }
    if (plugin && typeof plugin === 'object' && 'setup' in plugin && 'apiVersion' in plugin)
      made.push(plugin);
  }
  return made as Parameters<ReturnType<typeof createTestHost>['install']>[0][];
}

describe('plugin READMEs list every config key', () => {
  it('finds the plugin packages', () => {
    expect(plugins.map((p) => p.dir)).toContain('plugins/executor-shell');
  });

  it.each(plugins.map((p) => [p.dir]))('%s', async (dir) => {
    const readme = readFileSync(join(REPO_ROOT, dir, 'README.md'), 'utf8');
    const made = await pluginsOf(dir);
    expect(made.length, `${dir} exports no plugin factory callable without options`).toBeGreaterThan(0);
    const keys: string[] = [];
    for (const plugin of made) {
      const harness = createTestHost();
      await harness.install(plugin);
      for (const definition of [...harness.executors.values(), ...harness.processors.values()]) {
        const schema = definition.config.toJSONSchema() as { properties?: Record<string, unknown> };
        keys.push(...Object.keys(schema.properties ?? {}));
      }
      await plugin.close?.();
    }
    expect(keys.length, `${dir} registers no config keys`).toBeGreaterThan(0);
    const missing = keys.filter((key) => !readme.includes(`\`${key}\``));
    expect(missing, `keys missing from ${dir}/README.md`).toEqual([]);
  });
});
