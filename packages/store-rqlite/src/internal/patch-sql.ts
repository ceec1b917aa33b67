import type { JobRuntimePatch } from '@dkron-core/kernel';
import type { SqlStatement } from '../rqlite-client.js';
import { toTimeKey } from './time-key.js';

const TOKEN_TTL_MS = 3_600_000;

/**
 * The statements of the store's `patchJob`. `next` and `status` are plain sets, safe to apply
 * twice; the missed increment carries `token`, so the same request retried after an unknown outcome
 * (the client does that) adds nothing the second time.
 */
export function patchJobStatements(
  name: string,
  patch: JobRuntimePatch,
  token: string,
  now: number,
): SqlStatement[] {
  const next = patch.next === undefined ? null : toTimeKey(patch.next, 'next');
  const status = patch.status ?? null;
  if (!patch.missedIncrement) {
    return [
      [
        'UPDATE jobs SET next = coalesce(?, next), status = coalesce(?, status) WHERE name = ?',
        next,
        status,
        name,
      ],
    ];
  }
  return [
    [
      `UPDATE jobs SET next = coalesce(?, next), status = coalesce(?, status),
        missed_count = missed_count + CASE WHEN EXISTS (SELECT 1 FROM write_tokens WHERE token = ?) THEN 0 ELSE ? END
        WHERE name = ?`,
      next,
      status,
      token,
      patch.missedIncrement,
      name,
    ],
    ['INSERT OR IGNORE INTO write_tokens (token, created_at) VALUES (?, ?)', token, now],
    ['DELETE FROM write_tokens WHERE created_at < ?', now - TOKEN_TTL_MS],
  ];
}
