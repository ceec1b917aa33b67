import type { LaunchIntent } from '@dkron-core/kernel';
import { ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlStatement } from '../rqlite-client.js';
import { timeKeyFromMs, toTimeKey } from './time-key.js';

/** Slots kept in the ledger per job: far more than any catch-up window replays, so old rows can go. */
export const LAUNCH_LEDGER_RETAIN = 1_000;

// Fencing: once a newer leader epoch has been granted, an older leader's launches write nothing.
const FENCE = 'NOT EXISTS (SELECT 1 FROM leader l WHERE l.epoch > ?)';

const INSERT_LAUNCH = `INSERT OR IGNORE INTO launches (job, scheduled_at, grp, epoch, created_at)
SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE name = ?) AND ${FENCE}`;

// `next` only moves with the job's latest slot, so a late retry of an older batch cannot move it back.
const ADVANCE_NEXT = `UPDATE jobs SET next = ?
WHERE name = ? AND NOT EXISTS (SELECT 1 FROM launches WHERE job = ? AND scheduled_at > ?) AND ${FENCE}`;

const TRIM_LEDGER = `DELETE FROM launches WHERE job = ? AND scheduled_at < (
  SELECT scheduled_at FROM launches WHERE job = ? ORDER BY scheduled_at DESC LIMIT 1 OFFSET ?)`;

/**
 * The one transaction of `Store.recordLaunches`: per intent an `INSERT OR IGNORE` (statement `2 × i`) and the
 * `next` update, then one ledger trim per job.
 */
export function recordLaunchStatements(intents: readonly LaunchIntent[], now: number): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const jobs = new Set<string>();
  for (const intent of intents) {
    jobs.add(intent.job);
    const next = intent.next === null ? toTimeKey(ZERO_TIME, 'next') : timeKeyFromMs(intent.next);
    statements.push(
      [
        INSERT_LAUNCH,
        intent.job,
        intent.scheduledAt,
        intent.group,
        intent.epoch,
        now,
        intent.job,
        intent.epoch,
      ],
      [ADVANCE_NEXT, next, intent.job, intent.job, intent.scheduledAt, intent.epoch],
    );
  }
  for (const job of jobs) statements.push([TRIM_LEDGER, job, job, LAUNCH_LEDGER_RETAIN - 1]);
  return statements;
}
