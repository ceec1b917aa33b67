export type { StatusExecution } from './compute-status.js';
export { computeStatus } from './compute-status.js';
export {
  isVersionConflict,
  MAX_UPDATE_ATTEMPTS,
  updateJobConditionally,
  versionConflict,
} from './conditional-update.js';
export { parseMemoryLimit } from './memory-limit.js';
export { mergeJobUpdate } from './merge-job-update.js';
export { checkNesting, MAX_JOB_DEPTH } from './nesting.js';
export { laterTime, msToTime, normalizeTime, rfc3339ToMs, timeToNanos } from './time.js';
export { DEFAULT_CATCHUP_WINDOW, toJob } from './to-job.js';
export type { ValidateJobOptions } from './validate-job.js';
export { MAX_NAME_LENGTH, MAX_RETRIES, validateJob, validationMessage } from './validate-job.js';
