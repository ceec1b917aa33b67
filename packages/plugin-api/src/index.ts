export type { DkronErrorCode, DkronErrorDetails, DkronErrorOptions } from './errors.js';
export { DkronError, isDkronError, toPluginError } from './errors.js';
