import type { LaunchIntent } from '@dkron-core/kernel';
import { ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlStatement } from '../rqlite-client.js';
import { timeKeyFromMs, toTimeKey } from './time-key.js';

/** Slots kept in the ledger per job: far more than any catch-up window replays, so older rows can go. */
export const LAUNCH_LEDGER_RETAIN = 1_000;

/*
 * Each recordLaunches call carries a random token. The insert is INSERT OR IGNORE in effect: a slot that
 * exists is never changed, except that a row carrying the same token counts as inserted again. So when
 * the client retries a request whose outcome was unknown (a timeout after rqlite applied it), the retry
 * still reports the intents the first attempt inserted, and those launches are dispatched, not lost.
 * Fencing: once a newer leader epoch has been granted, an older leader's launches write nothing.
 */
const INSERT_LAUNCH = `INSERT INTO launches (job, scheduled_at, grp, epoch, created_at, token)
SELECT ?, ?, ?, ?, ?, ?
WHERE EXISTS (SELECT 1 FROM jobs WHERE name = ?) AND NOT EXISTS (SELECT 1 FROM leader l WHERE l.epoch > ?)
ON CONFLICT (job, scheduled_at) DO UPDATE SET token = excluded.token WHERE launches.token = excluded.token`;

// `next` follows only this call's slots, and only the job's latest one: a late batch cannot move it back.
const ADVANCE_NEXT = `UPDATE jobs SET next = ?
WHERE name = ? AND EXISTS (SELECT 1 FROM launches WHERE job = ? AND scheduled_at = ? AND token = ?)
  AND NOT EXISTS (SELECT 1 FROM launches WHERE job = ? AND scheduled_at > ?)`;

const TRIM_LEDGER = `DELETE FROM launches WHERE job = ? AND scheduled_at < (
  SELECT scheduled_at FROM launches WHERE job = ? ORDER BY scheduled_at DESC LIMIT 1 OFFSET ?)`;

/**
 * The one transaction of `Store.recordLaunches`: per intent the insert (statement `2 × i`, 1 row affected
 * when this call owns the slot) and the `next` update, then one ledger trim per job.
 */
export function recordLaunchStatements(
  intents: readonly LaunchIntent[],
  now: number,
  token: string,
): SqlStatement[] {
  const statements: SqlStatement[] = [];
  for (const i of intents) {
    const next = i.next === null ? toTimeKey(ZERO_TIME, 'next') : timeKeyFromMs(i.next);
    statements.push(
      [INSERT_LAUNCH, i.job, i.scheduledAt, i.group, i.epoch, now, token, i.job, i.epoch],
      [ADVANCE_NEXT, next, i.job, i.job, i.scheduledAt, token, i.job, i.scheduledAt],
    );
  }
  for (const job of new Set(intents.map((i) => i.job))) {
    statements.push([TRIM_LEDGER, job, job, LAUNCH_LEDGER_RETAIN - 1]);
  }
  return statements;
}
