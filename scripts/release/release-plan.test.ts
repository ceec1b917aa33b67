import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { releasePlan } from './release-plan.mjs';
import { listPackages, REPO_ROOT } from './rules.mjs';

const published = listPackages(REPO_ROOT).filter((p) => !p.manifest.private);

/** Names of the packages that list `name` in `field`. */
function dependents(name: string, field: 'dependencies' | 'peerDependencies'): string[] {
  return published.filter((p) => p.manifest[field]?.[name] !== undefined).map((p) => p.manifest.name);
}

describe('changesets release plan', () => {
  it('sees every published package', async () => {
    const plan = await releasePlan([{ name: published[0]!.manifest.name, type: 'patch' }]);
    expect(plan.length).toBeGreaterThan(0);
    expect(published.length).toBeGreaterThanOrEqual(9);
  });

  // A minor of any one package is a minor of that package, a patch of the packages that depend on it
  // when their range no longer covers it, and nothing for its peers' dependents within range: never a
  // major anywhere, so the first plugin-api minor does not make every plugin 1.0.0.
  it.each(published.map((p) => [p.manifest.name]))('a minor of %s is a normal release', async (name) => {
    const plan = await releasePlan([{ name, type: 'minor' }]);
    const own = plan.find((r) => r.name === name);
    expect(own?.type).toBe('minor');
    const others = plan.filter((r) => r.name !== name);
    for (const release of others) {
      expect(release.type, `${release.name} (${release.oldVersion} -> ${release.newVersion})`).not.toBe(
        'major',
      );
    }
    for (const peer of dependents(name, 'peerDependencies')) {
      expect(others.find((r) => r.name === peer)?.type ?? 'none', `peer dependent ${peer}`).toBe('none');
    }
  });

  it('a patch of a plugin bumps that plugin only', async () => {
    const plan = await releasePlan([{ name: '@dkron-core/executor-shell', type: 'patch' }]);
    expect(plan.filter((r) => r.type !== 'none').map((r) => [r.name, r.type])).toEqual([
      ['@dkron-core/executor-shell', 'patch'],
    ]);
  });

  it('a major of plugin-api (a contract break) is a major of every plugin that peers on it', async () => {
    const plan = await releasePlan([{ name: '@dkron-core/plugin-api', type: 'major' }]);
    const peers = dependents('@dkron-core/plugin-api', 'peerDependencies');
    expect(peers.length).toBeGreaterThan(0);
    for (const peer of peers) expect(plan.find((r) => r.name === peer)?.type, peer).toBe('major');
  });
});

describe('prepack', () => {
  it('refuses to pack workspace: ranges with npm, which would ship them as they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkron-prepack-'));
    try {
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'x', dependencies: { '@dkron-core/kernel': 'workspace:^' } }),
      );
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/release/prepack.mjs')], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, npm_config_user_agent: 'npm/11.6.0 node/v20.19.0 linux x64' },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('refusing to pack with npm/11.6.0');
      expect(run.stderr).toContain('changeset publish');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
