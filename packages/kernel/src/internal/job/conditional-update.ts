import { DkronError, isDkronError, type Job } from '@dkron-core/plugin-api';
import type { Store } from '../../ports/store.js';

/** How often a read-modify-write of one job is tried before it gives up with `CONFLICT`. */
export const MAX_UPDATE_ATTEMPTS = 10;

/** The error a store rejects a conditional save with when the job's version moved. */
export function versionConflict(job: string, expected: number, actual: number | undefined): DkronError {
  const stored = actual === undefined ? 'it does not exist' : `it is at version ${actual}`;
  return new DkronError(
    'CONFLICT',
    `job ${job} was changed concurrently: expected version ${expected}, ${stored}`,
    { details: { job, reason: 'version', expected, ...(actual === undefined ? {} : { actual }) } },
  );
}

/** Whether `error` is a store's version conflict (see {@link versionConflict}). */
export function isVersionConflict(error: unknown): error is DkronError {
  return isDkronError(error, 'CONFLICT') && error.details?.reason === 'version';
}

/**
 * A read-modify-write of one job that loses no concurrent update: reads the job with its version
 * (linearizable), lets `change` compute the new definition from it (`undefined`: no such job), saves it
 * conditionally on that version and, when another write came first, starts over from a fresh read. Gives
 * up with `CONFLICT` after {@link MAX_UPDATE_ATTEMPTS} lost races.
 */
export async function updateJobConditionally(
  store: Pick<Store, 'readJob'>,
  name: string,
  change: (current: Job | undefined) => Job | Promise<Job>,
  save: (job: Job, expectedVersion: number) => Promise<Job>,
): Promise<Job> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.readJob(name);
    const next = await change(current?.job);
    try {
      return await save(next, current?.version ?? 0);
    } catch (error) {
      if (!isVersionConflict(error)) throw error;
      if (attempt >= MAX_UPDATE_ATTEMPTS) {
        throw new DkronError(
          'CONFLICT',
          `job ${name} kept changing while it was being updated (${attempt} attempts); try again`,
          { details: { job: name, reason: 'version', attempts: attempt }, cause: error },
        );
      }
    }
  }
}
