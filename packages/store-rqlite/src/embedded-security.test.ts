/**
 * Another local user must neither read nor write the embedded store: the data directory is private
 * (0700/0600) and rqlited answers nothing without the credentials of its auth file. The other user is
 * `nobody`, for real (setpriv), which needs root; elsewhere those tests are skipped.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRqlite, startEmbeddedRqlite } from './embedded-rqlite.js';
import { AUTH_FILE } from './internal/auth-file.js';
import { findSetpriv } from './internal/death-guard.js';
import { createRqliteClient } from './rqlite-client.js';
import { freePorts, tempDir } from './test-support/helpers.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 && findSetpriv() !== null;

/** Every path under `dir` (itself included) with its permission bits. */
async function modes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>([[dir, (await stat(dir)).mode & 0o7777]]);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.set(path, (await stat(path)).mode & 0o7777);
  }
  return out;
}

/** Runs `script` with node as uid/gid 65534 and no groups; resolves to its stdout, parsed as JSON. */
async function asNobody(script: string, ...args: string[]): Promise<unknown> {
  const child = spawn(
    findSetpriv() as string,
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--',
      process.execPath,
      '-e',
      script,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = await once(child, 'close');
  expect(code, out).toBe(0);
  return JSON.parse(out);
}

// Tries each file and the rqlited HTTP API the way any local user can, and reports what happened.
const PROBE = `
const fs = require('node:fs');
const [url, ...files] = process.argv.slice(1);
(async () => {
  const read = {};
  for (const f of files) {
    try { fs.readFileSync(f); read[f] = 'read'; } catch (e) { read[f] = e.code; }
  }
  const post = (path, body) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status, (e) => e.message);
  const update = await post('/db/execute', [["UPDATE kv SET v = 'id' WHERE k = 'command'"]]);
  const select = await post('/db/query', [['SELECT v FROM kv']]);
  const guessed = await fetch(url + '/db/query?q=SELECT%201', { headers: { authorization: 'Basic ' + Buffer.from('dkron-core:guess').toString('base64') } }).then((r) => r.status);
  process.stdout.write(JSON.stringify({ read, update, select, guessed }));
})();
`;

describe('embedded rqlited: a private store', () => {
  let parent: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  let rqlite: EmbeddedRqlite;

  beforeAll(async () => {
    parent = await tempDir('private');
    // Like /var/lib: a parent anyone may traverse, so only the data dir's own modes protect it.
    await chmod(parent.path, 0o755);
    dataDir = join(parent.path, 'dkron.data');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    rqlite = await startEmbeddedRqlite({ dataDir, httpPort, raftPort });
    const client = createRqliteClient({ url: rqlite.url, credentials: rqlite.credentials });
    await client.execute([
      ['CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)'],
      ['INSERT INTO kv (k, v) VALUES (?, ?)', 'command', 'date'],
    ]);
    await client.close();
  }, 60_000);

  afterAll(async () => {
    await rqlite?.stop();
    await parent?.remove();
  });

  it('creates the data directory and everything in it for its owner only (0700 / 0600)', async () => {
    const found = await modes(dataDir);
    expect([...found.keys()]).toEqual(
      expect.arrayContaining([
        dataDir,
        join(dataDir, 'rqlite'),
        join(dataDir, 'rqlite', 'db.sqlite'),
        join(dataDir, 'rqlited.log'),
        join(dataDir, AUTH_FILE),
      ]),
    );
    const loose = [...found]
      .filter(([, mode]) => (mode & 0o077) !== 0)
      .map(([p, m]) => `${p} ${m.toString(8)}`);
    expect(loose).toEqual([]);
    expect(found.get(dataDir)).toBe(0o700);
    expect(found.get(join(dataDir, AUTH_FILE))).toBe(0o600);
    expect(found.get(join(dataDir, 'rqlite', 'db.sqlite'))).toBe(0o600);
  });

  it('writes an rqlite auth file with a random password, and refuses requests without it', async () => {
    const entries = JSON.parse(await readFile(join(dataDir, AUTH_FILE), 'utf8')) as unknown[];
    expect(entries).toEqual([
      { username: 'dkron-core', password: rqlite.credentials.password, perms: ['all'] },
    ]);
    expect(rqlite.credentials.password.length).toBeGreaterThanOrEqual(40);
    const anonymous = await fetch(`${rqlite.url}/db/query?q=SELECT%201`);
    expect(anonymous.status).toBe(401);
  });

  it.skipIf(!asRoot)('lets another local user (nobody) read no file and run no SQL', async () => {
    const files = ['rqlite/db.sqlite', 'rqlited.log', AUTH_FILE].map((f) => join(dataDir, f));
    const result = (await asNobody(PROBE, rqlite.url, ...files)) as {
      read: Record<string, string>;
      update: number;
      select: number;
      guessed: number;
    };
    expect(result.read).toEqual(Object.fromEntries(files.map((f) => [f, 'EACCES'])));
    expect(result).toMatchObject({ update: 401, select: 401, guessed: 401 });
    const client = createRqliteClient({ url: rqlite.url, credentials: rqlite.credentials });
    const [rows] = await client.query([['SELECT v FROM kv']]);
    await client.close();
    expect(rows?.rows).toEqual([{ v: 'date' }]);
  });
});

describe('embedded rqlited: a data directory of an older version', () => {
  it('is made private at start, and its auth file is kept', async () => {
    const dir = await tempDir('older');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    const dataDir = join(dir.path, 'data');
    await mkdir(join(dataDir, 'rqlite'), { recursive: true, mode: 0o755 });
    await chmod(dataDir, 0o755);
    await writeFile(join(dataDir, 'rqlited.log'), 'old log\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'notes.txt'), 'x', { mode: 0o664 });
    try {
      const first = await startEmbeddedRqlite({ dataDir, httpPort, raftPort });
      await first.stop();
      const loose = [...(await modes(dataDir))].filter(([, mode]) => (mode & 0o077) !== 0);
      expect(loose).toEqual([]);
      const second = await startEmbeddedRqlite({ dataDir, httpPort, raftPort });
      try {
        expect(second.credentials).toEqual(first.credentials);
      } finally {
        await second.stop();
      }
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it('fails naming the file when the auth file has no dkron-core user', async () => {
    const dir = await tempDir('badauth');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    await writeFile(join(dir.path, AUTH_FILE), '[{"username":"admin","password":"x","perms":["all"]}]');
    try {
      const error = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort }).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toBe(
        `${join(dir.path, AUTH_FILE)} has no "dkron-core" user with a password; delete it to have a new one generated`,
      );
    } finally {
      await dir.remove();
    }
  });
});
