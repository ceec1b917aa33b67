import { readFile, rm, symlink } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../test-support/helpers.js';
import { LogFile } from './log-file.js';

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir('logfile');
});
afterEach(async () => {
  vi.useRealTimers();
  await dir.remove();
});

/** Resolves on the next call of `events[name]`. */
function nextEvent<K extends 'failed' | 'recovered'>(events: Record<K, unknown>, name: K): Promise<unknown> {
  return new Promise((resolve) => {
    const previous = events[name] as (arg: unknown) => void;
    events[name] = ((arg: unknown) => {
      previous(arg);
      resolve(arg);
    }) as never;
  });
}

describe('LogFile', () => {
  it('appends', async () => {
    const path = `${dir.path}/a.log`;
    const log = new LogFile(path, { failed() {}, recovered() {} });
    log.write('one\n');
    log.write(Buffer.from('two\n'));
    await log.end();
    await log.end();
    expect(await readFile(path, 'utf8')).toBe('one\ntwo\n');
  });

  it('survives ENOSPC (a full disk), drops output meanwhile and writes again once the file takes it', async () => {
    const path = `${dir.path}/full.log`;
    // /dev/full answers every write with ENOSPC.
    await symlink('/dev/full', path);
    const seen: string[] = [];
    const events = {
      failed: (error: NodeJS.ErrnoException) => seen.push(`failed ${error.code}`),
      recovered: (dropped: number) => seen.push(`recovered after dropping ${dropped > 0 ? 'some' : 'none'}`),
    };
    const failed = nextEvent(events, 'failed');
    const log = new LogFile(path, events);
    log.write('lost 1\n');
    await failed;
    log.write('lost 2\n');
    log.write('lost 3\n');
    expect(seen).toEqual(['failed ENOSPC']);

    // Space comes back: the path is a regular file again. Reopening waits 2 s after the failure.
    await rm(path);
    const recovered = nextEvent(events, 'recovered');
    const started = Date.now();
    while (Date.now() - started < 10_000 && seen.length < 2) {
      log.write('kept\n');
      await Promise.race([recovered, new Promise((r) => setTimeout(r, 100))]);
    }
    expect(seen).toEqual(['failed ENOSPC', 'recovered after dropping some']);
    await log.end();
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^(kept\n)+$/);
  });
});
