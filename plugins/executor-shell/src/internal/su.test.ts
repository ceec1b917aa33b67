import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountFiles, resolveCredentials } from './su.js';

let dir: string;
let files: AccountFiles;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-su-'));
  files = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
  await writeFile(
    files.passwd,
    '# comment\nroot:x:0:0:root:/root:/bin/bash\nbackup:x:34:34:backup:/var/backups:/usr/sbin/nologin\nbroken line\n',
  );
  await writeFile(files.group, 'root:x:0:\nbackup:x:34:\nops:x:4000:alice,bob\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveCredentials', () => {
  it.each([
    ['backup', { uid: 34, gid: 34 }],
    ['backup:ops', { uid: 34, gid: 4000 }],
    ['backup:0', { uid: 34, gid: 0 }],
    ['34', { uid: 34, gid: 34 }],
    ['5555', { uid: 5555, gid: 5555 }],
    ['5555:ops', { uid: 5555, gid: 4000 }],
  ])('resolves %j from the account files', async (spec, ids) => {
    await expect(resolveCredentials(spec, files)).resolves.toEqual(ids);
  });

  it('names an unknown user or group', async () => {
    await expect(resolveCredentials('no-such-user-dkron', files)).rejects.toThrow(
      'user: unknown user no-such-user-dkron',
    );
    await expect(resolveCredentials('backup:no-such-group-dkron', files)).rejects.toThrow(
      'group: unknown group no-such-group-dkron',
    );
    await expect(resolveCredentials(':ops', files)).rejects.toThrow('shell: invalid su value ":ops"');
  });

  it('asks id and getent for accounts the files do not list', async () => {
    // `nobody` is in the system's database, not in the test files.
    await expect(resolveCredentials('nobody:nogroup', files)).resolves.toEqual({ uid: 65534, gid: 65534 });
  });
});
