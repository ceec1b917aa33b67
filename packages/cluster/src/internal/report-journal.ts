import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';

/**
 * The finished reports an agent sent and no server acknowledged yet, in a small JSON file in its data
 * dir: a restarted agent sends them again. Written whole (they are few) through a temporary file and a
 * rename, one write at a time, so the file is never half written.
 */
export class ReportJournal {
  readonly #path: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  /** The reports kept by a previous process; none when the file does not exist. */
  async load(): Promise<Execution[]> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) throw new Error(`${this.#path}: not a list of executions`);
    return value as Execution[];
  }

  /** Settles once every write asked for so far is done. */
  idle(): Promise<void> {
    return this.#writing;
  }

  /** Replaces the file's content with `reports`; resolves once it is on disk. */
  save(reports: readonly Execution[]): Promise<void> {
    const text = JSON.stringify(reports);
    const next = this.#writing.then(async () => {
      await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
      const tmp = `${this.#path}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.#path);
    });
    this.#writing = next.catch(() => {});
    return next;
  }
}
