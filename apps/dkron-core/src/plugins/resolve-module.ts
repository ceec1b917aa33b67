/**
 * Finds the file of a plugin module. Paths are relative to the config file's directory; package
 * names are looked up in `node_modules` above each search directory, honouring `exports` with the
 * `import`, `node` and `default` conditions. This is Node's ESM lookup done by hand, because
 * `import.meta.resolve` with a parent directory needs a flag on Node 20 and `require.resolve` picks
 * the `require` condition, which ESM-only plugin packages do not have.
 */

import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONDITIONS = new Set(['import', 'node', 'default']);

/** True when `specifier` names a file rather than a package (`./x.js`, `../x`, `/abs`, `file:`). */
export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    specifier.startsWith('file:') ||
    isAbsolute(specifier)
  );
}

/**
 * Resolves `specifier` to an absolute file path, or `undefined` when nothing is found. Paths are
 * resolved against the first of `searchDirs`; packages are searched from each in turn.
 *
 * @throws {Error} when a package is found but its `package.json` cannot be read or exports nothing usable.
 */
export async function resolveModule(
  specifier: string,
  searchDirs: readonly string[],
): Promise<string | undefined> {
  const [first] = searchDirs;
  if (first === undefined) return undefined;
  if (isPathSpecifier(specifier)) {
    const path = specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(first, specifier);
    return resolvePath(path);
  }
  const { name, subpath } = splitPackageSpecifier(specifier);
  for (const dir of searchDirs) {
    const packageDir = await findPackageDir(name, dir);
    if (packageDir) return resolveInPackage(packageDir, subpath, specifier);
  }
  return undefined;
}

/** Splits `@scope/name/sub` into the package name and the `./sub` subpath. */
export function splitPackageSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const size = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, size).join('/');
  const rest = parts.slice(size).join('/');
  return { name, subpath: rest === '' ? '.' : `./${rest}` };
}

async function resolvePath(path: string): Promise<string | undefined> {
  const kind = await fileKind(path);
  if (kind === 'file') return path;
  if (kind === 'dir') {
    if ((await fileKind(join(path, 'package.json'))) === 'file') return resolveInPackage(path, '.', path);
    const index = join(path, 'index.js');
    if ((await fileKind(index)) === 'file') return index;
  }
  return undefined;
}

async function findPackageDir(name: string, from: string): Promise<string | undefined> {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if ((await fileKind(join(candidate, 'package.json'))) === 'file') return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function resolveInPackage(
  packageDir: string,
  subpath: string,
  specifier: string,
): Promise<string | undefined> {
  let manifest: { exports?: unknown; main?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as typeof manifest;
  } catch (err) {
    throw new Error(`cannot read ${join(packageDir, 'package.json')}: ${(err as Error).message}`);
  }
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const target = exportTarget(manifest.exports, subpath);
    if (target === undefined) {
      throw new Error(
        `package ${packageDir} does not export ${JSON.stringify(subpath)} for import (${specifier})`,
      );
    }
    return resolvePath(join(packageDir, target));
  }
  if (subpath !== '.') return resolvePath(join(packageDir, subpath));
  const main = typeof manifest.main === 'string' && manifest.main !== '' ? manifest.main : 'index.js';
  return (await resolvePath(join(packageDir, main))) ?? resolvePath(join(packageDir, 'index.js'));
}

/** The target of `subpath` in an `exports` field, for the ESM conditions. */
export function exportTarget(exportsField: unknown, subpath: string): string | undefined {
  const isSubpathMap =
    typeof exportsField === 'object' &&
    exportsField !== null &&
    !Array.isArray(exportsField) &&
    Object.keys(exportsField).some((k) => k.startsWith('.'));
  const map: Record<string, unknown> = isSubpathMap
    ? (exportsField as Record<string, unknown>)
    : { '.': exportsField };
  if (subpath in map) return conditionTarget(map[subpath], '');
  for (const [key, value] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      return conditionTarget(value, subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return undefined;
}

function conditionTarget(target: unknown, star: string): string | undefined {
  if (typeof target === 'string') return target.startsWith('./') ? target.replaceAll('*', star) : undefined;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = conditionTarget(item, star);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = conditionTarget(value, star);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

async function fileKind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}
