import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import { PRIVATE_FILE_MODE } from './private-files.js';

const ROTATE_BYTES = 10 * 1024 * 1024;
/** Output buffered while the file does not take it; beyond this it is dropped (and counted). */
const MAX_PENDING_BYTES = 1024 * 1024;
/** How long after a failed write the file is opened again. */
const REOPEN_AFTER_MS = 2_000;

/** What {@link LogFile} reports about itself. */
export interface LogFileEvents {
  /** A write failed (`ENOSPC` on a full disk, `EIO`, …); output is dropped until the file takes it again. */
  failed(error: NodeJS.ErrnoException): void;
  /** The file takes output again after a failure; `droppedBytes` of output were lost meanwhile. */
  recovered(droppedBytes: number): void;
}

/**
 * An append-only log file that never throws and never emits an unhandled `'error'`: a write that fails
 * (a full disk) drops output, counting it, and the file is opened again on a later write, so logging
 * resumes by itself once the disk has room. A file over 10 MiB when opened is kept as `<path>.1`.
 */
export class LogFile {
  readonly #path: string;
  readonly #events: LogFileEvents;
  #stream: WriteStream | undefined;
  #failedAt: number | undefined;
  #dropped = 0;
  #ended = false;

  constructor(path: string, events: LogFileEvents) {
    this.#path = path;
    this.#events = events;
    this.#stream = this.#open();
  }

  /** Appends `chunk`, or drops it while the file is failing or too far behind. */
  write(chunk: Buffer | string): void {
    if (this.#ended) return;
    if (this.#stream === undefined) {
      if (this.#failedAt !== undefined && Date.now() - this.#failedAt < REOPEN_AFTER_MS) {
        this.#dropped += chunk.length;
        return;
      }
      this.#stream = this.#open();
    }
    const stream = this.#stream;
    if (stream.writableLength > MAX_PENDING_BYTES) {
      this.#dropped += chunk.length;
      return;
    }
    stream.write(chunk, (error) => {
      if (error || this.#failedAt === undefined || stream !== this.#stream) return;
      this.#failedAt = undefined;
      const dropped = this.#dropped;
      this.#dropped = 0;
      this.#events.recovered(dropped);
    });
  }

  /** Flushes and closes the file. Idempotent. */
  end(): Promise<void> {
    this.#ended = true;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once('error', () => resolve());
      stream.end(() => resolve());
    });
  }

  #open(): WriteStream {
    try {
      if (statSync(this.#path).size > ROTATE_BYTES) renameSync(this.#path, `${this.#path}.1`);
    } catch {
      // No log yet (or it cannot be looked at: opening it says more).
    }
    const stream = createWriteStream(this.#path, { flags: 'a', mode: PRIVATE_FILE_MODE });
    stream.on('error', (error: NodeJS.ErrnoException) => this.#fail(stream, error));
    return stream;
  }

  #fail(stream: WriteStream, error: NodeJS.ErrnoException): void {
    stream.destroy();
    if (stream !== this.#stream) return;
    this.#stream = undefined;
    this.#dropped += stream.writableLength;
    const first = this.#failedAt === undefined;
    this.#failedAt = Date.now();
    if (first) this.#events.failed(error);
  }
}
