import type { LaunchIntent, LaunchSlot } from '@dkron-core/kernel';
import { ZERO_TIME } from '@dkron-core/plugin-api';
import type { SqlStatement } from '../rqlite-client.js';
import { timeKeyFromMs, toTimeKey } from './time-key.js';

/** Slots kept in the ledger per job: far more than any catch-up window replays, so older rows can go. */
export const LAUNCH_LEDGER_RETAIN = 1_000;

/*
 * Set-based: a whole batch is ONE JSON text parameter read with json_each, so a request has a fixed number
 * of statements whatever the batch size, and rqlite parses, logs and applies a handful of statements
 * instead of several per launch.
 *
 * Each call carries a random token. The insert is INSERT OR IGNORE in effect: a slot that exists is never
 * changed, except that a row carrying the same token counts as inserted again. So when the client retries
 * a request whose outcome was unknown (a timeout after rqlite applied it), the retry still reports the
 * intents the first attempt inserted, and those launches are dispatched, not lost. The later statements
 * of the request find "this call's slots" by that token.
 * Fencing: once a newer leader epoch has been granted, an older leader's launches write nothing.
 */

/** The intents of parameter ?1 (`[[job, slot, group, epoch, next], ...]`, positional to keep it small) as rows. */
const INTENTS = `SELECT value->>0 AS job, value->>1 AS at, value->>2 AS grp, value->>3 AS epoch, value->>4 AS next
  FROM json_each(?1)`;

/** ?1 intents, ?2 now (ms), ?3 token. Rows affected = intents this call owns. */
const INSERT_LAUNCHES = `INSERT INTO launches (job, scheduled_at, grp, epoch, created_at, token)
SELECT i.job, i.at, i.grp, i.epoch, ?2, ?3 FROM (${INTENTS}) i
WHERE EXISTS (SELECT 1 FROM jobs WHERE name = i.job) AND NOT EXISTS (SELECT 1 FROM leader l WHERE l.epoch > i.epoch)
ON CONFLICT (job, scheduled_at) DO UPDATE SET token = excluded.token WHERE launches.token = excluded.token`;

/** This call's slots (?2 token) that are their job's latest: only those move `next`, so it never goes back. */
const OWN_LATEST = `l.token = ?2 AND NOT EXISTS (SELECT 1 FROM launches z WHERE z.job = i.job AND z.scheduled_at > i.at)`;

/** `Store.recordLaunches`: ?1 intents, ?2 token. At most one latest slot per job, so one row per job. */
const ADVANCE_NEXT = `UPDATE jobs SET next = u.next
FROM (SELECT i.job AS job, i.next AS next FROM (${INTENTS}) i
  JOIN launches l ON l.job = i.job AND l.scheduled_at = i.at WHERE ${OWN_LATEST}) u
WHERE jobs.name = u.job`;

/** Indexes (in ?1) of the intents this call (?2 token) does NOT own; usually none, so the answer is small. */
const NOT_OWNED = `SELECT i.key AS k FROM json_each(?1) i WHERE NOT EXISTS (SELECT 1 FROM launches l
  WHERE l.job = i.value->>0 AND l.scheduled_at = i.value->>1 AND l.token = ?2)`;

/**
 * Keeps the newest `?2` slots of each job of ?1. The cut-off of each job is computed once (a materialized
 * CTE, so it is not re-evaluated per deleted row), then the older slots go by the primary key's range.
 */
const TRIM_LEDGER = `WITH cut AS MATERIALIZED (
  SELECT j.value AS job, (SELECT s.scheduled_at FROM launches s WHERE s.job = j.value
    ORDER BY s.scheduled_at DESC LIMIT 1 OFFSET ?2) AS at FROM json_each(?1) j)
DELETE FROM launches WHERE rowid IN (
  SELECT l.rowid FROM cut JOIN launches l ON l.job = cut.job AND l.scheduled_at < cut.at)`;

/** The JSON parameter of a batch of intents. */
function intentsJson(intents: readonly LaunchIntent[]): string {
  return JSON.stringify(
    intents.map((i) => [
      i.job,
      i.scheduledAt,
      i.group,
      i.epoch,
      i.next === null ? toTimeKey(ZERO_TIME, 'next') : timeKeyFromMs(i.next),
    ]),
  );
}

/** The ledger trim of `jobs` (nothing when there is none). */
export function trimLedgerStatements(jobs: readonly string[]): SqlStatement[] {
  return jobs.length === 0 ? [] : [[TRIM_LEDGER, JSON.stringify(jobs), LAUNCH_LEDGER_RETAIN - 1]];
}

/**
 * The one transaction of `Store.recordLaunches`: the insert (statement 0: rows affected = intents this call
 * owns), the `next` update, then the ledger trim of `trimJobs`.
 */
export function recordLaunchStatements(
  intents: readonly LaunchIntent[],
  now: number,
  token: string,
  trimJobs: readonly string[] = [],
): SqlStatement[] {
  const json = intentsJson(intents);
  return [
    [INSERT_LAUNCHES, json, now, token],
    [ADVANCE_NEXT, json, token],
    ...trimLedgerStatements(trimJobs),
  ];
}

/**
 * The query listing the indexes of `intents` the call with `token` does not own. Needed only when the
 * insert affected fewer rows than intents (slots recorded before, a missing job, a fenced-off epoch), so
 * it is a separate read rather than part of every launch request.
 */
export function notOwnedStatement(intents: readonly LaunchIntent[], token: string): SqlStatement {
  return [NOT_OWNED, intentsJson(intents), token];
}

/** ?1 `[[job, slot, next key], ...]`: the ledger rows of the released slots. */
const RELEASE_LAUNCHES = `DELETE FROM launches WHERE rowid IN (SELECT l.rowid FROM json_each(?1) i
  JOIN launches l ON l.job = i.value->>0 AND l.scheduled_at = i.value->>1)`;

/** ?1 as above: each job's `next` back to its earliest released slot (time keys sort as times). */
const RELEASE_NEXT = `UPDATE jobs SET next = r.next
FROM (SELECT i.value->>0 AS job, min(i.value->>2) AS next FROM json_each(?1) i GROUP BY 1) r
WHERE jobs.name = r.job`;

/** The one transaction of `Store.releaseLaunches`. */
export function releaseLaunchStatements(slots: readonly LaunchSlot[]): SqlStatement[] {
  const json = JSON.stringify(slots.map((s) => [s.job, s.scheduledAt, timeKeyFromMs(s.scheduledAt)]));
  return [
    [RELEASE_LAUNCHES, json],
    [RELEASE_NEXT, json],
  ];
}

/** The token of launches whose executions were deleted. */
const CLEARED = 'executions-deleted';

/**
 * ?1 since, ?2 now (ms): launches of that range whose trigger group is newer than every recorded execution
 * of their job. Driven by the jobs, so each job's slots are a range of the ledger's primary key rather than
 * a scan of the whole ledger; its executions are found by the (job_name, grp) index, newest group first.
 */
const WITHOUT_EXECUTIONS = `SELECT l.job AS job, l.scheduled_at AS at, l.grp AS grp FROM jobs j
JOIN launches l ON l.job = j.name AND l.scheduled_at BETWEEN ?1 AND ?2
WHERE l.token <> '${CLEARED}'
  AND l.grp > coalesce((SELECT max(e.grp) FROM executions e WHERE e.job_name = l.job), -1)
ORDER BY l.job, l.scheduled_at`;

/**
 * ?1 job: its launches so far are marked as having had their executions (which a user just deleted), so that
 * {@link WITHOUT_EXECUTIONS} does not take them for launches whose records were never written. The token
 * only decides ownership inside one `recordLaunches` call, long over for these rows.
 */
export const CLEAR_LAUNCHES = `UPDATE launches SET token = '${CLEARED}' WHERE job = ?`;

/** The query of `Store.launchesWithoutExecutions`. */
export function launchesWithoutExecutionsStatement(since: number, now: number): SqlStatement {
  return [WITHOUT_EXECUTIONS, Math.trunc(since), Math.trunc(now)];
}
