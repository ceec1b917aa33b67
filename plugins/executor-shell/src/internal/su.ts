import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** The ids a job runs as. */
export interface Credentials {
  readonly uid: number;
  readonly gid: number;
}

/** Where users and groups are looked up; injectable for tests. */
export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
}

const SYSTEM_FILES: AccountFiles = { passwd: '/etc/passwd', group: '/etc/group' };
const NUMERIC = /^\d+$/;

/**
 * Resolves Dkron's `su` value (`user` or `user:group`, names or numeric ids) to uid and gid.
 * The local account files answer first (no process spawned); users and groups they do not know
 * (LDAP, SSSD) are asked of `id` and `getent`, always with argv arrays.
 *
 * @throws Error `user: unknown user <name>` / `group: unknown group <name>`.
 */
export async function resolveCredentials(
  spec: string,
  files: AccountFiles = SYSTEM_FILES,
): Promise<Credentials> {
  const colon = spec.indexOf(':');
  const user = (colon === -1 ? spec : spec.slice(0, colon)).trim();
  const group = colon === -1 ? '' : spec.slice(colon + 1).trim();
  if (user === '') throw new Error(`shell: invalid su value "${spec}"`);
  const account = await lookupUser(user, files);
  const gid = group === '' ? account.gid : await lookupGroup(group, files);
  return { uid: account.uid, gid };
}

async function lookupUser(name: string, files: AccountFiles): Promise<Credentials> {
  const line = (await entries(files.passwd)).find(
    (fields) => fields[0] === name || (NUMERIC.test(name) && fields[2] === name),
  );
  if (line !== undefined) return { uid: Number(line[2]), gid: Number(line[3]) };
  const uid = await ask('id', ['-u', '--', name]);
  const gid = await ask('id', ['-g', '--', name]);
  if (uid !== undefined && gid !== undefined && NUMERIC.test(uid) && NUMERIC.test(gid)) {
    return { uid: Number(uid), gid: Number(gid) };
  }
  // A numeric id without an account is still a valid uid to run as (like `docker run --user 1234`).
  if (NUMERIC.test(name)) return { uid: Number(name), gid: Number(name) };
  throw new Error(`user: unknown user ${name}`);
}

async function lookupGroup(name: string, files: AccountFiles): Promise<number> {
  const line = (await entries(files.group)).find((fields) => fields[0] === name);
  if (line !== undefined) return Number(line[2]);
  if (NUMERIC.test(name)) return Number(name);
  const answer = await ask('getent', ['group', '--', name]);
  const gid = answer?.split(':')[2];
  if (gid !== undefined && NUMERIC.test(gid)) return Number(gid);
  throw new Error(`group: unknown group ${name}`);
}

async function entries(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((fields) => fields.length >= 4 && NUMERIC.test(fields[2] as string));
}

function ask(file: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5000 }, (error, stdout) => {
      resolve(error === null ? stdout.trim() : undefined);
    });
  });
}
