import type { AccessStore } from '@dkron-core/kernel';
import type { Logger } from '@dkron-core/plugin-api';

/** How often old audit entries are pruned. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/** Options of {@link startAuditRetention}. */
export interface AuditRetentionOptions {
  readonly store: AccessStore;
  /** How long entries are kept; 0 keeps them forever (nothing runs). */
  readonly retentionMs: number;
  readonly logger: Logger;
  /** Epoch ms; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Deletes the audit entries older than the retention now and then every hour; resolves the first
 * pass before it returns. Every server runs it: a delete by time is idempotent. Returns the stop.
 */
export async function startAuditRetention(options: AuditRetentionOptions): Promise<() => void> {
  const { store, retentionMs, logger } = options;
  if (retentionMs <= 0) return () => {};
  const now = options.now ?? Date.now;
  const prune = async () => {
    try {
      const pruned = await store.pruneAudit(now() - retentionMs);
      if (pruned > 0) logger.info('audit log pruned', { entries: pruned, retentionMs });
    } catch (error) {
      logger.warn('audit log not pruned, trying again in an hour', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  await prune();
  const timer = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
