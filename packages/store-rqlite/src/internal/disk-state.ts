import { statfs } from 'node:fs/promises';
import { DkronError, isDkronError, type Logger } from '@dkron-core/plugin-api';
import type { RqliteClient, SqlStatement } from '../rqlite-client.js';
import { isDiskFull } from './rqlite-errors.js';

/** Below this many free bytes the store's disk counts as full (SQLite and the Raft log need pages). */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * A write that needs the disk: health writes it while the disk is known to be full, to find out that
 * space came back without waiting for the next job write.
 */
export const PROBE_STATEMENT = (now: number): SqlStatement => [
  'INSERT INTO store_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
  now,
];

/**
 * Whether the store's disk is full, as the writes found it: set by a write refused for lack of space,
 * cleared by the next write that succeeds. While it is set, an unavailable store (rqlite's Raft log
 * failing to grow makes leadership flap) is reported as the full disk it is.
 */
export class DiskState {
  readonly #logger: Logger;
  readonly #dataDir: string | undefined;
  #full: { readonly since: number; readonly message: string } | undefined;

  constructor(logger: Logger, dataDir: string | undefined) {
    this.#logger = logger;
    this.#dataDir = dataDir;
  }

  get full(): boolean {
    return this.#full !== undefined;
  }

  /** `client`, with every write's outcome noted here and unavailability explained while the disk is full. */
  watch(client: RqliteClient): RqliteClient {
    const wrote = async <T>(result: Promise<T>): Promise<T> => {
      try {
        const value = await result;
        this.#clear();
        return value;
      } catch (error) {
        throw this.#failed(error);
      }
    };
    return {
      urls: client.urls,
      execute: (statements, options) => wrote(client.execute(statements, options)),
      request: (statements, options) => wrote(client.request(statements, options)),
      query: (statements, options) =>
        client.query(statements, options).catch((error: unknown) => {
          throw this.#explain(error);
        }),
      close: () => client.close(),
    };
  }

  /** The disk's issues for `/health`; while it is full, a probe write first checks whether it still is. */
  async issues(client: RqliteClient, now: number): Promise<string[]> {
    if (this.#full !== undefined) {
      try {
        await client.execute([PROBE_STATEMENT(now)]);
      } catch {
        // Still failing: reported below (the watched client noted how).
      }
    }
    const issues: string[] = [];
    if (this.#full !== undefined) {
      issues.push(`disk full since ${new Date(this.#full.since).toISOString()}: ${this.#full.message}`);
    }
    const free = await this.#freeBytes();
    if (free !== undefined && free < MIN_FREE_BYTES && this.#full === undefined) {
      issues.push(`disk full: ${free} bytes free in ${this.#dataDir} (at least ${MIN_FREE_BYTES} needed)`);
    }
    return issues;
  }

  async #freeBytes(): Promise<number | undefined> {
    if (this.#dataDir === undefined) return undefined;
    try {
      const stats = await statfs(this.#dataDir);
      return stats.bavail * stats.bsize;
    } catch {
      return undefined;
    }
  }

  #failed(error: unknown): unknown {
    if (!isDiskFull(error)) return this.#explain(error);
    if (this.#full === undefined) {
      const message = (error as Error).message.replace(/^store disk full: /, '');
      this.#full = { since: Date.now(), message };
      this.#logger.error('store disk full: writes fail until space is freed', { error: message });
    }
    return error;
  }

  #explain(error: unknown): unknown {
    if (this.#full === undefined || !isDkronError(error, 'UNAVAILABLE') || isDiskFull(error)) return error;
    return new DkronError('UNAVAILABLE', `store disk full (${this.#full.message}); ${error.message}`, {
      details: { reason: 'disk-full' },
      cause: error,
    });
  }

  #clear(): void {
    if (this.#full === undefined) return;
    this.#logger.info('store disk takes writes again', {
      fullForMs: Date.now() - this.#full.since,
    });
    this.#full = undefined;
  }
}
