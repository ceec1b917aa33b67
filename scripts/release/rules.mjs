/**
 * What every published package of the workspace must satisfy, as pure functions of its manifest and
 * of its tarball's files, so `check-packages.mjs` and the tests share one copy of each rule.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders whose children are workspace packages (pnpm-workspace.yaml lists the same). */
export const PACKAGE_ROOTS = ['packages', 'plugins', 'apps'];

export const REPOSITORY_URL = 'git+https://github.com/dkron-core/dkron-core.git';
export const LICENSE_ID = 'LGPL-3.0-or-later';
export const NODE_RANGE = '>=20.19';
export const PREPACK = 'node ../../scripts/release/prepack.mjs';

const DEPENDENCY_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];

/**
 * Every workspace package under {@link PACKAGE_ROOTS}: `{ dir, manifest }` with `dir` relative to `root`
 * in POSIX form (`plugins/executor-shell`). Folders without a package.json are not packages.
 */
export function listPackages(root) {
  const out = [];
  for (const parent of PACKAGE_ROOTS) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = join(base, entry.name, 'package.json');
      if (!existsSync(file)) continue;
      out.push({ dir: `${parent}/${entry.name}`, manifest: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return out.sort((a, b) => a.dir.localeCompare(b.dir));
}

const isText = (value) => typeof value === 'string' && value.trim() !== '';

const semver = createRequire(createRequire(import.meta.url).resolve('@changesets/cli/package.json'))(
  'semver',
);

/**
 * Problems of a publishable package's package.json (`dir` as returned by {@link listPackages}).
 * `versions` (name → version of the workspace's packages) lets peer ranges be checked against them.
 */
export function manifestProblems(manifest, dir, { hasReadme, versions = {} }) {
  const problems = [];
  const want = (ok, message) => {
    if (!ok) problems.push(message);
  };
  for (const field of ['name', 'version', 'description'])
    want(isText(manifest[field]), `"${field}" is missing`);
  want(manifest.type === 'module', '"type" must be "module" (ESM only)');
  want(manifest.license === LICENSE_ID, `"license" must be "${LICENSE_ID}"`);
  want(manifest.engines?.node === NODE_RANGE, `"engines.node" must be "${NODE_RANGE}"`);
  const repo = manifest.repository;
  want(
    repo?.type === 'git' && repo?.url === REPOSITORY_URL && repo?.directory === dir,
    `"repository" must be { "type": "git", "url": "${REPOSITORY_URL}", "directory": "${dir}" }`,
  );
  const homepage = `https://github.com/dkron-core/dkron-core/tree/main/${dir}#readme`;
  want(manifest.homepage === homepage, `"homepage" must be "${homepage}"`);
  want(
    Array.isArray(manifest.keywords) && manifest.keywords.length > 0 && manifest.keywords.every(isText),
    '"keywords" must be a non-empty list',
  );
  want(Array.isArray(manifest.files) && manifest.files.length > 0, '"files" must list what is shipped');
  want(manifest.scripts?.prepack === PREPACK, `"scripts.prepack" must be "${PREPACK}"`);
  want(hasReadme, 'README.md is missing');
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    // pnpm would publish `workspace:^` as a caret of today's version, which the next 0.x minor leaves.
    want(!String(range).startsWith('workspace:'), `peer "${name}" must be a plain range, not "${range}"`);
    // A minor of a workspace package is compatible (.changeset/README.md): its peers must admit it, or
    // changesets makes every peer-dependent package a major release.
    const current = versions[name];
    if (current !== undefined && !String(range).startsWith('workspace:')) {
      const next = semver.inc(current, 'minor');
      want(
        semver.satisfies(current, range) && semver.satisfies(next, range),
        `peer "${name}": "${range}" must admit ${current} and its next minor ${next} (e.g. ">=0.1.0 <1.0.0")`,
      );
    }
  }
  if (/^@dkron-core\/(executor|processor)-/.test(manifest.name ?? '')) {
    const internal = Object.keys(manifest.dependencies ?? {}).filter((n) => n.startsWith('@dkron-core/'));
    want(
      internal.length === 0,
      `a plugin depends on @dkron-core packages only as peers (${internal.join(', ')})`,
    );
    want(
      manifest.peerDependencies?.['@dkron-core/plugin-api'] !== undefined,
      'a plugin has @dkron-core/plugin-api as a peer dependency',
    );
  }
  return problems;
}

/** Test kits and tests: they are for this repository, never for a tarball. */
const TEST_FILE =
  /(^|\/)(test-kit|test-support|testing|__tests__|__fixtures__)(\/|\.|$)|\.(test|spec|test-d|bench)\.[cm]?[jt]sx?$/;
const MAP_COMMENT = /^\/[/*][#@] sourceMappingURL=(\S+?)(?: \*\/)?\s*$/m;

/**
 * Problems of a packed tarball. `files` maps each path inside the tarball (without the `package/`
 * prefix) to its content; `license` is the repository's LICENSE text.
 */
export function tarballProblems(files, { license }) {
  const problems = [];
  const has = (path) => files.has(path);
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!has(required)) problems.push(`${required} is not in the tarball`);
  }
  if (has('LICENSE') && files.get('LICENSE').toString('utf8') !== license) {
    problems.push('LICENSE differs from the repository LICENSE');
  }
  for (const [path, content] of files) {
    if (path.endsWith('.tsbuildinfo')) problems.push(`${path}: build state is shipped`);
    if (TEST_FILE.test(path)) problems.push(`${path}: a test or test kit is shipped`);
    if (path.endsWith('.map')) {
      let sources = [];
      try {
        const map = JSON.parse(content.toString('utf8'));
        sources = (map.sources ?? []).map((s) => posix.join(posix.dirname(path), map.sourceRoot ?? '', s));
      } catch {
        problems.push(`${path}: not a JSON source map`);
      }
      for (const source of sources) {
        if (!has(source)) problems.push(`${path}: points at ${source}, which is not shipped`);
      }
    }
    if (/\.(?:[cm]?js|d\.[cm]?ts)$/.test(path)) {
      const ref = MAP_COMMENT.exec(content.toString('utf8'))?.[1];
      if (ref && !ref.startsWith('data:')) {
        const target = posix.join(posix.dirname(path), ref);
        if (!has(target)) problems.push(`${path}: its source map ${target} is not shipped`);
      }
    }
  }
  const manifest = has('package.json') ? JSON.parse(files.get('package.json').toString('utf8')) : {};
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) {
        problems.push(`package.json ${field}: ${name} is still "${range}" (pack with pnpm)`);
      }
    }
  }
  const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [name, file] of Object.entries(bins)) {
    const path = posix.normalize(file);
    if (!has(path)) problems.push(`bin ${name}: ${path} is not shipped`);
    else if (!files.get(path).toString('utf8').startsWith('#!/usr/bin/env node')) {
      problems.push(`bin ${name}: ${path} does not start with #!/usr/bin/env node`);
    }
  }
  return problems;
}

/** name → version of every workspace package. */
export function workspaceVersions(packages) {
  return Object.fromEntries(packages.map((p) => [p.manifest.name, p.manifest.version]));
}

/** Whether `dir` (absolute) has a README.md. */
export function hasReadme(dir) {
  return existsSync(join(dir, 'README.md'));
}

/** The repository root, from this file's place. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
