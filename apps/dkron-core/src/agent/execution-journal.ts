import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ExecutionJournal, UnwrittenExecution } from '@dkron-core/kernel';

/** The journal's file under the data dir. */
export function executionJournalPath(dataDir: string): string {
  return join(dataDir, 'execution-journal.json');
}

/**
 * The kernel's {@link ExecutionJournal} as one small JSON file, replaced atomically (a temporary file
 * renamed over it) and readable by the agent's user only (outputs may hold secrets). Removed when
 * nothing is pending, so it exists only while the store refuses execution records.
 */
export function createFileJournal(path: string): ExecutionJournal {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of execution records`);
      return parsed as UnwrittenExecution[];
    },
    async save(records) {
      if (records.length === 0) {
        await rm(path, { force: true });
        return;
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temporary, JSON.stringify(records), { mode: 0o600 });
      await rename(temporary, path);
    },
  };
}
