import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DkronError } from '@dkron-core/plugin-api';
import { PRIVATE_FILE_MODE } from './private-files.js';
import type { RqliteCredentials } from './transport.js';

/** The rqlite user the embedded rqlited gives every permission to. */
export const EMBEDDED_USER = 'dkron-core';

/** Name of the auth file in the data directory. */
export const AUTH_FILE = 'rqlite-auth.json';

interface AuthEntry {
  readonly username?: unknown;
  readonly password?: unknown;
  readonly perms?: unknown;
}

function readEntries(path: string): unknown[] | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new DkronError('UNAVAILABLE', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (cause) {
    throw new DkronError('UNAVAILABLE', `${path} is not JSON; delete it to have a new one generated`, {
      cause,
    });
  }
  return Array.isArray(entries) ? entries : [];
}

function read(path: string): RqliteCredentials | 'missing' {
  const entries = readEntries(path);
  if (entries === 'missing') return 'missing';
  const ours = (entries as AuthEntry[]).find((e) => e?.username === EMBEDDED_USER);
  if (typeof ours?.password !== 'string' || ours.password === '') {
    throw new DkronError(
      'UNAVAILABLE',
      `${path} has no "${EMBEDDED_USER}" user with a password; delete it to have a new one generated`,
    );
  }
  return { username: EMBEDDED_USER, password: ours.password };
}

/**
 * The credentials of the embedded rqlited, from `<dataDir>/rqlite-auth.json` (rqlited's `-auth`
 * format): read when the file exists (an operator may add users to it), else generated (a random
 * 256-bit password) and written mode 0600, so only the agent's user can read the store.
 */
export function ensureAuthFile(
  dataDir: string,
  password?: string,
): {
  readonly path: string;
  readonly credentials: RqliteCredentials;
} {
  const path = join(dataDir, AUTH_FILE);
  if (password !== undefined) return writeShared(path, password);
  const found = read(path);
  if (found !== 'missing') return { path, credentials: found };
  const credentials = { username: EMBEDDED_USER, password: randomBytes(32).toString('base64url') };
  const entries = [{ ...credentials, perms: ['all'] }];
  // `wx`: two agents starting on one directory must not overwrite each other's password.
  try {
    writeFileSync(path, `${JSON.stringify(entries, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureAuthFile(dataDir);
    throw error;
  }
  return { path, credentials };
}

/**
 * A cluster node's auth file: the embedded user has the cluster's shared `password` (derived from the
 * `--encrypt` key, the same on every server), other users an operator added are kept.
 */
function writeShared(path: string, password: string): { path: string; credentials: RqliteCredentials } {
  const found = readEntries(path);
  const others =
    found === 'missing' ? [] : (found as AuthEntry[]).filter((e) => e?.username !== EMBEDDED_USER);
  const credentials = { username: EMBEDDED_USER, password };
  const entries = [{ ...credentials, perms: ['all'] }, ...others];
  writeFileSync(path, `${JSON.stringify(entries, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
  return { path, credentials };
}
