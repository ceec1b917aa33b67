import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Agent } from 'undici';
import type { HttpConfig } from './config.js';

/** The TLS settings of a job, files read. */
interface TlsMaterial {
  readonly rejectUnauthorized: boolean;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
}

/** HTTP clients shared by the jobs with the same TLS settings, least recently used evicted. */
export interface DispatcherCache {
  /** The client for `config`'s TLS settings; rejects with a message naming the key of an unreadable file. */
  get(config: HttpConfig): Promise<Agent>;
  /** Closes every client (in-flight requests finish first). */
  close(): Promise<void>;
}

/**
 * Creates the client cache. Clients keep connections alive between runs (Dkron opened one connection
 * per request). Files are read at every run, so a rotated certificate is used from the next run on;
 * the cache key is a hash of their contents.
 */
export function createDispatcherCache(options: { readonly maxClients: number }): DispatcherCache {
  const entries = new Map<string, Agent>();

  return {
    async get(config) {
      const tls = await readTls(config);
      const key = cacheKey(tls);
      const found = entries.get(key);
      if (found !== undefined) {
        // Re-inserted: Map order is the recency order.
        entries.delete(key);
        entries.set(key, found);
        return found;
      }
      const agent = new Agent({ connect: { ...tls } });
      entries.set(key, agent);
      if (entries.size > options.maxClients) {
        const [oldestKey, oldest] = entries.entries().next().value as [string, Agent];
        entries.delete(oldestKey);
        void oldest.close().catch(() => {});
      }
      return agent;
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((agent) => agent.close().catch(() => {})));
    },
  };
}

const DEFAULT_KEY = 'verify';

function cacheKey(tls: TlsMaterial): string {
  if (tls.cert === undefined && tls.key === undefined && tls.ca === undefined) {
    return tls.rejectUnauthorized ? DEFAULT_KEY : 'no-verify';
  }
  const hash = createHash('sha256').update(tls.rejectUnauthorized ? 'v' : 'n');
  for (const part of [tls.cert, tls.key, tls.ca]) {
    hash.update(part === undefined ? '-' : `${part.length}:`);
    if (part !== undefined) hash.update(part);
  }
  return hash.digest('hex');
}

/** A TLS file that cannot be read: the message names the key. */
export class TlsFileError extends Error {}

async function readTls(config: HttpConfig): Promise<TlsMaterial> {
  const rejectUnauthorized = !config.tlsNoVerifyPeer;
  if (config.tlsCertificateFile === '' && config.tlsRootCAsFile === '') return { rejectUnauthorized };
  const [cert, key, ca] = await Promise.all([
    read('tlsCertificateFile', config.tlsCertificateFile),
    read('tlsCertificateKeyFile', config.tlsCertificateKeyFile),
    read('tlsRootCAsFile', config.tlsRootCAsFile),
  ]);
  return {
    rejectUnauthorized,
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(ca === undefined ? {} : { ca }),
  };
}

async function read(key: string, path: string): Promise<Buffer | undefined> {
  if (path === '') return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsFileError(`${key}: cannot read ${path}: ${code}`);
  }
}
