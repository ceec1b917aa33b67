import { DkronError } from '@dkron-core/plugin-api';

/** A `SCHEDULE_INVALID` error about the job's `schedule` field. */
export function scheduleError(message: string, cause?: unknown): DkronError {
  return new DkronError('SCHEDULE_INVALID', message, {
    details: { field: 'schedule' },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A `VALIDATION` error, optionally naming the offending field. */
export function validationError(message: string, field?: string): DkronError {
  return new DkronError('VALIDATION', message, field === undefined ? {} : { details: { field } });
}

/** Reads an instant given as a Date or epoch milliseconds, refusing invalid dates. */
export function toEpochMs(value: Date | number, what: string): number {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw validationError(`${what} is not a valid date`, what);
  }
  return ms;
}
