/**
 * Finding and reading the config file: `--config <path>`, else the first `dkron.yml`, `dkron.yaml`
 * or `dkron.json` in `/etc/dkron`, `$HOME/.dkron`, `./config` and `.` (Dkron's search, plus `.`).
 */

import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UsageError } from './errors.js';

/** File names tried in each directory, in order. */
export const CONFIG_FILE_NAMES = ['dkron.yml', 'dkron.yaml', 'dkron.json'] as const;

/** Where to look for the config file. */
export interface SearchPlaces {
  readonly cwd: string;
  /** The user's home directory; skipped when undefined. */
  readonly home?: string;
  /** System directory, `/etc/dkron` unless a test says otherwise. */
  readonly etcDir?: string;
}

/** Directories searched, in order. */
export function configSearchDirs(places: SearchPlaces): string[] {
  return [
    places.etcDir ?? '/etc/dkron',
    ...(places.home ? [join(places.home, '.dkron')] : []),
    join(places.cwd, 'config'),
    places.cwd,
  ];
}

/** The first config file found, as an absolute path, or `undefined`. */
export async function findConfigFile(places: SearchPlaces): Promise<string | undefined> {
  for (const dir of configSearchDirs(places)) {
    for (const name of CONFIG_FILE_NAMES) {
      const path = resolve(places.cwd, dir, name);
      if (await isFile(path)) return path;
    }
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads a config file into its top-level mapping. JSON files are parsed as JSON, anything else as
 * YAML (a superset of JSON).
 *
 * @throws {UsageError} naming the file when it cannot be read or parsed, or is not a mapping.
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const where = `config file ${path}`;
  const ext = extname(path).toLowerCase();
  if (ext === '.toml' || ext === '.hcl' || ext === '.ini' || ext === '.properties') {
    throw new UsageError(`${where}: ${ext.slice(1).toUpperCase()} files are not supported; use YAML or JSON`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (err as Error).message;
    throw new UsageError(`${where}: cannot read it: ${why}`);
  }
  const data = ext === '.json' ? parseJson(text, where) : parseYamlText(text, where);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError(`${where}: must contain a mapping of keys to values, like "server: true"`);
  }
  return data as Record<string, unknown>;
}

function parseJson(text: string, where: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: invalid JSON: ${(err as Error).message}`);
  }
}

function parseYamlText(text: string, where: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      const first = err.message.split('\n')[0] ?? err.message;
      throw new UsageError(
        `${where}: invalid YAML${at}: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    throw new UsageError(`${where}: invalid YAML: ${(err as Error).message}`);
  }
}
