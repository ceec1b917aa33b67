import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Execution } from '@dkron-core/plugin-api';

interface Waiting {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function waiting(): Waiting {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * The finished reports an agent sent and no server acknowledged yet, in a small JSON file in its data
 * dir: a restarted agent sends them again. Written whole through a temporary file and a rename, one
 * write at a time, so the file is never half written.
 *
 * Saves asked for while a write is in flight share the next write, which takes the state current when
 * it starts: at most one write runs and one waits, however many reports end meanwhile. (One write per
 * report, each serializing every pending report, fell behind at about 100 reports/s per agent: the
 * reports waited for their turn, so the acknowledgements did too, and every write grew.)
 */
export class ReportJournal {
  readonly #path: string;
  #current: () => readonly Execution[] = () => [];
  #inFlight: Promise<void> | undefined;
  #next: Waiting | undefined;

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
  async idle(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
  }

  /**
   * Replaces the file's content with `current()`, read when the write starts; resolves once a write
   * begun after this call is on disk (rejects when that write fails).
   */
  save(current: () => readonly Execution[]): Promise<void> {
    this.#current = current;
    if (this.#next) return this.#next.promise;
    const next = waiting();
    this.#next = next;
    if (!this.#inFlight) this.#startNext();
    return next.promise;
  }

  #startNext(): void {
    const batch = this.#next;
    if (!batch) return;
    this.#next = undefined;
    const text = JSON.stringify(this.#current());
    this.#inFlight = this.#write(text)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.#inFlight = undefined;
        this.#startNext();
      });
  }

  async #write(text: string): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true, mode: 0o700 });
    const tmp = `${this.#path}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, this.#path);
  }
}
