/**
 * The one coded error family of dkron-core.
 *
 * Every error that crosses a package boundary is a {@link DkronError} with a stable
 * {@link DkronErrorCode}. Match errors with {@link isDkronError}, never with `instanceof`:
 * the guard works across duplicate copies of this package in one process.
 *
 * @packageDocumentation
 */

const BRAND = Symbol.for('dkron-core.error');

/**
 * Stable error codes. HTTP layers map them to status codes; logs and clients match on them.
 *
 * - `VALIDATION`: a request or job is invalid (HTTP 400).
 * - `SCHEDULE_INVALID`: a schedule expression cannot be parsed or can never fire (HTTP 400).
 * - `CONFIG_INVALID`: an executor or processor config does not match its schema (HTTP 400).
 * - `NOT_FOUND`: the named job, execution or member does not exist (HTTP 404).
 * - `CONFLICT`: the request conflicts with stored state, e.g. deleting a parent with children (HTTP 409).
 * - `PAUSED`: job submissions are paused on this node (HTTP 503).
 * - `UNAVAILABLE`: the store or the cluster cannot answer now; safe to retry (HTTP 503).
 * - `PLUGIN_INVALID`: a plugin failed registration (bad shape, duplicate name, incompatible apiVersion).
 * - `PLUGIN_FAILED`: a plugin threw or hung while serving an execution.
 * - `EXECUTOR_NOT_FOUND`: a job names an executor that no loaded plugin provides.
 * - `TIMEOUT`: an operation ran past its deadline.
 * - `CANCELLED`: an operation was cancelled through its AbortSignal.
 * - `INTERNAL`: a bug; the message is safe to log but not to show to API clients.
 */
export type DkronErrorCode =
  | 'VALIDATION'
  | 'SCHEDULE_INVALID'
  | 'CONFIG_INVALID'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAUSED'
  | 'UNAVAILABLE'
  | 'PLUGIN_INVALID'
  | 'PLUGIN_FAILED'
  | 'EXECUTOR_NOT_FOUND'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'INTERNAL';

/** Extra structured facts attached to an error, e.g. the field that failed validation. */
export interface DkronErrorDetails {
  /** Dotted path of the offending input field, e.g. `executor_config.timeout`. */
  readonly field?: string;
  /** Plugin that raised or caused the error. */
  readonly plugin?: string;
  /** Job concerned. */
  readonly job?: string;
  /** Execution concerned. */
  readonly execution?: string;
  readonly [key: string]: unknown;
}

/** Options of the {@link DkronError} constructor. */
export interface DkronErrorOptions {
  readonly details?: DkronErrorDetails;
  readonly cause?: unknown;
}

/**
 * An error with a stable {@link DkronErrorCode}.
 *
 * @example
 * ```ts
 * throw new DkronError('VALIDATION', 'name cannot be empty', { details: { field: 'name' } });
 * ```
 */
export class DkronError extends Error {
  /** The stable code to match on. */
  readonly code: DkronErrorCode;
  /** Structured facts about the failure. */
  readonly details: DkronErrorDetails;

  constructor(code: DkronErrorCode, message: string, options: DkronErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DkronError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True when `value` is a {@link DkronError} (from any copy of this package), optionally with one of `codes`.
 */
export function isDkronError(value: unknown, ...codes: DkronErrorCode[]): value is DkronError {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) {
    return false;
  }
  return codes.length === 0 || codes.includes((value as DkronError).code);
}

/**
 * Wraps whatever a plugin threw into a `PLUGIN_FAILED` {@link DkronError} naming the plugin,
 * job and execution. A {@link DkronError} thrown by the plugin keeps its code and gains the names.
 */
export function toPluginError(
  thrown: unknown,
  where: { plugin: string; job?: string; execution?: string },
): DkronError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const details: DkronErrorDetails = { ...where };
  if (isDkronError(thrown)) {
    return new DkronError(thrown.code, message, {
      details: { ...thrown.details, ...details },
      cause: thrown,
    });
  }
  return new DkronError('PLUGIN_FAILED', `plugin ${where.plugin} failed: ${message}`, {
    details,
    cause: thrown,
  });
}
