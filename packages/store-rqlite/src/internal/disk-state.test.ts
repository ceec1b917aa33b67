import { tmpdir } from 'node:os';
import { DkronError, isDkronError } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import type { RqliteClient, SqlStatement } from '../rqlite-client.js';
import { DiskState, PROBE_STATEMENT } from './disk-state.js';
import { diskFullError } from './rqlite-errors.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A client whose writes fail with `fail()` while it returns an error; records the writes. */
function fakeClient(fail: () => unknown) {
  const writes: (readonly SqlStatement[])[] = [];
  const write = async (statements: readonly SqlStatement[]) => {
    writes.push(statements);
    const error = fail();
    if (error !== undefined) throw error;
    return statements.map(() => ({ rowsAffected: 1, columns: [], rows: [] }));
  };
  const client: RqliteClient = {
    urls: ['http://fake'],
    execute: write,
    request: write,
    query: async () => {
      const error = fail();
      if (error !== undefined) throw error;
      return [];
    },
    close: async () => {},
  };
  return { client, writes };
}

describe('DiskState', () => {
  it('is set by a write refused for lack of space, reported by issues, and cleared by a probe that works', async () => {
    let failure: unknown = diskFullError('rqlite statement 1 failed: database or disk is full');
    const fake = fakeClient(() => failure);
    const disk = new DiskState(silent, undefined);
    const client = disk.watch(fake.client);

    expect(await disk.issues(client, 0)).toEqual([]);
    expect(fake.writes).toEqual([]); // no probe while nothing failed

    const error = await client.execute([['INSERT INTO t VALUES (1)']]).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(disk.full).toBe(true);
    const [issue] = await disk.issues(client, 5);
    expect(issue).toMatch(/^disk full since \S+Z: rqlite statement 1 failed: database or disk is full$/);
    expect(fake.writes.at(-1)).toEqual([PROBE_STATEMENT(5)]);

    // Space is back: the next probe works and the issue is gone.
    failure = undefined;
    expect(await disk.issues(client, 6)).toEqual([]);
    expect(disk.full).toBe(false);
  });

  it('explains unavailability while the disk is full (rqlite leadership flaps when its Raft log cannot grow)', async () => {
    let failure: unknown = diskFullError('rqlite error: unable to store logs: no space left on device');
    const fake = fakeClient(() => failure);
    const disk = new DiskState(silent, undefined);
    const client = disk.watch(fake.client);
    await client.request([['INSERT INTO t VALUES (1)']]).catch(() => {});

    failure = new DkronError('UNAVAILABLE', 'rqlite unavailable after 10000 ms: leader not found');
    for (const call of [() => client.query([['SELECT 1']]), () => client.execute([['DELETE FROM t']])]) {
      const error = await call().catch((e: unknown) => e);
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toBe(
        'store disk full (rqlite error: unable to store logs: no space left on device); rqlite unavailable after 10000 ms: leader not found',
      );
      expect((error as DkronError).details.reason).toBe('disk-full');
    }
    // Other errors pass unchanged.
    failure = new DkronError('INTERNAL', 'rqlite statement 1 failed: no such table');
    expect(await client.execute([['x']]).catch((e: unknown) => e)).toBe(failure);
  });

  it('passes errors unchanged while the disk is not full, and checks the free space of a data dir', async () => {
    const failure = new DkronError('UNAVAILABLE', 'rqlite unavailable after 10 ms: ECONNREFUSED');
    const fake = fakeClient(() => failure);
    const disk = new DiskState(silent, tmpdir());
    const client = disk.watch(fake.client);
    expect(await client.query([['SELECT 1']]).catch((e: unknown) => e)).toBe(failure);
    // The temp dir has more than 1 MiB free on any machine that runs these tests.
    expect(await disk.issues(client, 0)).toEqual([]);
  });
});
