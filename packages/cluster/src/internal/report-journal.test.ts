import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportJournal } from './report-journal.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-report-journal-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const execution = (i: number) => ({ id: `e${i}`, job_name: 'j', status: 'success' }) as unknown as Execution;

describe('ReportJournal', () => {
  it('resolves a save once the state it was asked with is on disk', async () => {
    const journal = new ReportJournal(join(dir, 'data', 'agent-reports.json'));
    const pending = [execution(1), execution(2)];
    await journal.save(() => pending);
    expect(await journal.load()).toEqual(pending);
    expect(await new ReportJournal(join(dir, 'data', 'agent-reports.json')).load()).toEqual(pending);
  });

  it('writes saves asked for during a write once, with the state current when that write starts', async () => {
    const path = join(dir, 'agent-reports.json');
    const journal = new ReportJournal(path);
    const pending = new Map<string, Execution>();
    let reads = 0;
    const current = () => {
      reads++;
      return [...pending.values()];
    };
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      pending.set(`e${i}`, execution(i));
      saves.push(journal.save(current));
    }
    await Promise.all(saves);
    // The first save's write started at once (one report); the 499 asked during it shared one more.
    expect(reads).toBe(2);
    const stored = JSON.parse(await readFile(path, 'utf8')) as Execution[];
    expect(stored.map((e) => e.id)).toEqual([...pending.keys()]);
  });

  it('rejects the saves of a failed write and writes again at the next save', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file where the journal wants a directory');
    const journal = new ReportJournal(join(blocker, 'agent-reports.json'));
    await expect(journal.save(() => [execution(1)])).rejects.toMatchObject({ code: 'EEXIST' });
    await rm(blocker);
    await journal.save(() => [execution(1), execution(2)]);
    expect((await journal.load()).map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('is idle only after the write waiting behind the one in flight', async () => {
    const path = join(dir, 'agent-reports.json');
    const journal = new ReportJournal(path);
    void journal.save(() => [execution(1)]);
    void journal.save(() => [execution(1), execution(2), execution(3)]);
    await journal.idle();
    expect((await journal.load()).map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
  });
});
