import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hasReadme,
  LICENSE_ID,
  listPackages,
  manifestProblems,
  NODE_RANGE,
  PACKAGE_ROOTS,
  PREPACK,
  REPO_ROOT,
  REPOSITORY_URL,
  tarballProblems,
  workspaceVersions,
} from './rules.mjs';

const license = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');

describe('listPackages', () => {
  it('finds every folder with a package.json under packages/, plugins/ and apps/', () => {
    const expected = PACKAGE_ROOTS.flatMap((root) =>
      readdirSync(join(REPO_ROOT, root), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(REPO_ROOT, root, e.name, 'package.json')))
        .map((e) => `${root}/${e.name}`),
    ).sort();
    expect(listPackages(REPO_ROOT).map((p) => p.dir)).toEqual(expected);
    expect(expected).toContain('plugins/executor-shell');
  });

  it('covers what pnpm-workspace.yaml declares', () => {
    const patterns = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8')
      .split('\n')
      .map((l) => /^\s+-\s+"?([^"\s]+)\/\*"?\s*$/.exec(l)?.[1])
      .filter((p) => p !== undefined);
    // examples/ holds templates to copy (private, never published): the roots of published packages
    // are the others.
    expect(patterns.sort()).toEqual([...PACKAGE_ROOTS, 'examples'].sort());
    for (const entry of readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true })) {
      const file = join(REPO_ROOT, 'examples', entry.name, 'package.json');
      if (entry.isDirectory() && existsSync(file))
        expect(JSON.parse(readFileSync(file, 'utf8')).private, file).toBe(true);
    }
  });
});

describe('manifestProblems', () => {
  const versions = workspaceVersions(listPackages(REPO_ROOT));
  it.each(listPackages(REPO_ROOT).filter((p) => !p.manifest.private))(
    '$dir has none',
    ({ dir, manifest }) => {
      expect(
        manifestProblems(manifest, dir, { hasReadme: hasReadme(join(REPO_ROOT, dir)), versions }),
      ).toEqual([]);
    },
  );

  const good = {
    name: '@dkron-core/executor-x',
    version: '0.1.0',
    description: 'x',
    type: 'module',
    license: LICENSE_ID,
    engines: { node: NODE_RANGE },
    repository: { type: 'git', url: REPOSITORY_URL, directory: 'plugins/executor-x' },
    homepage: 'https://github.com/dkron-core/dkron-core/tree/main/plugins/executor-x#readme',
    keywords: ['dkron'],
    files: ['dist'],
    scripts: { prepack: PREPACK },
    peerDependencies: { '@dkron-core/plugin-api': '>=0.1.0 <1.0.0' },
  };

  it('accepts a complete manifest', () => {
    expect(manifestProblems(good, 'plugins/executor-x', { hasReadme: true })).toEqual([]);
  });

  it.each([
    [{ engines: undefined }, '"engines.node"'],
    [{ engines: { node: '>=18' } }, '"engines.node"'],
    [{ repository: { type: 'git', url: REPOSITORY_URL, directory: 'plugins/other' } }, '"repository"'],
    [{ homepage: 'https://example.com' }, '"homepage"'],
    [{ keywords: [] }, '"keywords"'],
    [{ license: 'MIT' }, '"license"'],
    [{ type: 'commonjs' }, '"type"'],
    [{ files: undefined }, '"files"'],
    [{ scripts: {} }, '"scripts.prepack"'],
    [{ description: '' }, '"description"'],
    [{ peerDependencies: { '@dkron-core/plugin-api': 'workspace:^' } }, 'plain range'],
    [{ peerDependencies: {} }, 'as a peer dependency'],
    [{ dependencies: { '@dkron-core/kernel': '^0.1.0' } }, 'only as peers'],
    [
      { peerDependencies: { '@dkron-core/plugin-api': '^0.1.0' } },
      'must admit 0.1.0 and its next minor 0.2.0',
    ],
    [{ peerDependencies: { '@dkron-core/plugin-api': '>=0.2.0 <1.0.0' } }, 'must admit 0.1.0'],
  ])('flags %j', (change, message) => {
    const problems = manifestProblems({ ...good, ...change }, 'plugins/executor-x', {
      hasReadme: true,
      versions: { '@dkron-core/plugin-api': '0.1.0' },
    });
    expect(problems.join('\n')).toContain(message);
  });

  it('flags a missing README', () => {
    expect(manifestProblems(good, 'plugins/executor-x', { hasReadme: false })).toEqual([
      'README.md is missing',
    ]);
  });
});

describe('tarballProblems', () => {
  const files = (extra: Record<string, string> = {}, manifest: Record<string, unknown> = {}) =>
    new Map(
      Object.entries({
        'package.json': JSON.stringify({ name: 'x', dependencies: { hono: '^4' }, ...manifest }),
        'README.md': '# x',
        LICENSE: license,
        'dist/index.js': 'export {};\n',
        'dist/index.d.ts': 'export {};\n',
        ...extra,
      }).map(([k, v]) => [k, Buffer.from(v)]),
    );

  it('accepts a clean tarball', () => {
    expect(tarballProblems(files(), { license })).toEqual([]);
  });

  it('accepts source maps whose sources are shipped', () => {
    const extra = {
      'dist/index.js': 'export {};\n//# sourceMappingURL=index.js.map\n',
      'dist/index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'] }),
      'src/index.ts': 'export {};',
    };
    expect(tarballProblems(files(extra), { license })).toEqual([]);
  });

  it.each([
    [{ 'dist/.tsbuildinfo': '{}' }, 'build state'],
    [{ 'dist/internal/agent/test-kit.js': '' }, 'test kit'],
    [{ 'dist/testing/harness.js': '' }, 'test kit'],
    [{ 'dist/test-support/x.js': '' }, 'test kit'],
    [{ 'dist/index.test.js': '' }, 'test kit'],
    [{ 'dist/index.js.map': JSON.stringify({ version: 3, sources: ['../src/index.ts'] }) }, 'not shipped'],
    [{ 'dist/index.js': 'export {};\n//# sourceMappingURL=index.js.map\n' }, 'source map dist/index.js.map'],
    [{ 'dist/index.d.ts.map': 'nope' }, 'not a JSON source map'],
    [{ LICENSE: 'MIT' }, 'LICENSE differs'],
  ])('flags %j', (extra, message) => {
    expect(tarballProblems(files(extra), { license }).join('\n')).toContain(message);
  });

  it('flags missing README and LICENSE', () => {
    const set = files();
    set.delete('README.md');
    set.delete('LICENSE');
    expect(tarballProblems(set, { license })).toEqual([
      'README.md is not in the tarball',
      'LICENSE is not in the tarball',
    ]);
  });

  it('flags workspace: ranges left in the packed manifest', () => {
    const problems = tarballProblems(files({}, { peerDependencies: { a: 'workspace:^' } }), { license });
    expect(problems).toEqual(['package.json peerDependencies: a is still "workspace:^" (pack with pnpm)']);
  });

  it('flags a bin that is missing or has no node shebang', () => {
    expect(tarballProblems(files({}, { bin: { x: './bin/x.js' } }), { license })).toEqual([
      'bin x: bin/x.js is not shipped',
    ]);
    expect(tarballProblems(files({ 'bin/x.js': 'run()' }, { bin: './bin/x.js' }), { license })).toEqual([
      'bin x: bin/x.js does not start with #!/usr/bin/env node',
    ]);
  });
});
