import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_FILE, EMBEDDED_USER, ensureAuthFile } from './auth-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-auth-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the auth file of a cluster node (a shared password)', () => {
  it('writes the shared password, 0600', () => {
    const { path, credentials } = ensureAuthFile(dir, 'shared-secret');
    expect(credentials).toEqual({ username: EMBEDDED_USER, password: 'shared-secret' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([
      { username: EMBEDDED_USER, password: 'shared-secret', perms: ['all'] },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("replaces a single server's random password and keeps the users an operator added", () => {
    const first = ensureAuthFile(dir);
    const path = join(dir, AUTH_FILE);
    const entries = JSON.parse(readFileSync(path, 'utf8')) as unknown[];
    writeFileSync(path, JSON.stringify([...entries, { username: 'ops', password: 'x', perms: ['query'] }]));
    const shared = ensureAuthFile(dir, 'shared-secret');
    expect(shared.credentials.password).not.toBe(first.credentials.password);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([
      { username: EMBEDDED_USER, password: 'shared-secret', perms: ['all'] },
      { username: 'ops', password: 'x', perms: ['query'] },
    ]);
    expect(ensureAuthFile(dir).credentials.password).toBe('shared-secret');
  });
});
