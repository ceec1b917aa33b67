import type { AccessStore, AuditEntry } from '@dkron-core/kernel';

/** Most entries written by one store call. */
export const MAX_AUDIT_BATCH = 500;

/** Appends audit entries; resolves once the entry is stored, rejects with the store's error. */
export type AuditAppender = (entry: AuditEntry) => Promise<void>;

interface Waiting {
  readonly entry: AuditEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: an entry appended while no write is in flight is written at once; entries appended
 * while one is in flight wait for it and then go together in one `appendAudit` call (one Raft write
 * on rqlite instead of one per request). Each caller still learns whether its own entry was stored.
 */
export function createAuditAppender(store: Pick<AccessStore, 'appendAudit'>): AuditAppender {
  let queue: Waiting[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_AUDIT_BATCH);
      queue = queue.slice(batch.length);
      try {
        await store.appendAudit(batch.map((w) => w.entry));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    writing = false;
  }

  return (entry) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ entry, resolve, reject });
      if (!writing) void drain();
    });
}
