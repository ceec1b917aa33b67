import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileJournal, executionJournalPath } from './execution-journal.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const completion = {
  jobName: 'a',
  executionId: '1-node',
  status: 'success' as const,
  finishedAt: '2026-12-01T00:00:01Z',
  output: 'done\n',
};

describe('the execution journal file', () => {
  it('is empty when absent, keeps what is saved (mode 0600) and is removed when nothing is pending', async () => {
    const path = executionJournalPath(dir);
    const journal = createFileJournal(path);
    expect(await journal.load()).toEqual([]);
    await journal.save([{ completion }]);
    expect(await createFileJournal(path).load()).toEqual([{ completion }]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await journal.save([]);
    expect(await readdir(dir)).toEqual([]);
    expect(await journal.load()).toEqual([]);
  });

  it('names the file when its content is not a list of records', async () => {
    const path = executionJournalPath(dir);
    await writeFile(path, '{"a":1}');
    await expect(createFileJournal(path).load()).rejects.toThrow(
      /execution-journal\.json: expected a JSON array/,
    );
  });
});
