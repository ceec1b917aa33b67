/**
 * Job validation: Dkron's rules in Dkron's order with Dkron's messages (§2.2), then dkron-core's
 * extensions, then the executor's and processors' config schemas. The first failure wins.
 */

import { DkronError, isDkronError, type Job } from '@dkron-core/plugin-api';
import { isValidTimezone, parseGoDuration, parseSchedule } from '../schedule/index.js';
import { unsplittableCommand } from './command-line.js';
import { parseMemoryLimit } from './memory-limit.js';
import { timeToNanos } from './time.js';

/** Options of {@link validateJob}. */
export interface ValidateJobOptions {
  /** Checks `executor_config` against the executor's schema; throws `CONFIG_INVALID` (passed through). */
  readonly validateExecutorConfig?: (executor: string, config: Job['executor_config']) => void;
  /** Checks every processor config against its schema; throws `CONFIG_INVALID` (passed through). */
  readonly validateProcessors?: (processors: Job['processors']) => void;
  /** Zone of jobs without `timezone` (the server's). */
  readonly defaultTimezone?: string;
}

/** The body of Dkron's 400 answer for a validation failure: `Job validation failed: <reason>.` */
export function validationMessage(reason: string): string {
  return `Job validation failed: ${reason}.`;
}

function invalid(field: string, reason: string, cause?: unknown): DkronError {
  return new DkronError('VALIDATION', reason, {
    details: { field },
    ...(cause === undefined ? {} : { cause }),
  });
}

// Dkron: `[^\p{Ll}0-9_-]` finds the first illegal character.
const ILLEGAL_NAME_CHAR = /[^\p{Ll}0-9_-]/u;
const CONCURRENCY = new Set(['allow', 'forbid', 'replace', '']);
const NOTIFY_ON = ['failure', 'success', 'always'];
// One address: no spaces or separators, one `@`, a domain of letters, digits, `-` and dots.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*$/u;

const isUnset = (value: unknown): boolean => value === undefined || value === null || value === '';

/** The longest job name, in characters (it is a key in URLs, the store and the executions of the job). */
export const MAX_NAME_LENGTH = 255;
/** The most retries a job may ask for: past this a failing job would retry for days. */
export const MAX_RETRIES = 100;
// Go's strconv.ParseBool words for true, as the shell executor's `shell` reads them.
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
// A tag count as Dkron reads it (strconv.Atoi: optional sign, ASCII digits).
const TAG_COUNT = /^[+-]?\d+$/;

function checkName(job: Job): void {
  if (job.name === '') throw invalid('name', 'name cannot be empty');
  const bad = ILLEGAL_NAME_CHAR.exec(job.name);
  if (bad) throw invalid('name', `name contains illegal character '${bad[0]}'`);
  if (job.parent_job === job.name) throw invalid('parent_job', 'the job can not have itself as parent');
}

function checkSchedule(job: Job, defaultTimezone: string | undefined): void {
  // Children never fire on their own: their schedule may be empty, but a written one must parse.
  if (job.schedule === '' && job.parent_job !== '') return;
  if (job.schedule === '') throw invalid('schedule', "can't parse job schedule: empty spec string");
  // An unknown zone is reported by the timezone rule, after this one, as in Dkron.
  const zone = job.timezone !== '' && isValidTimezone(job.timezone) ? job.timezone : undefined;
  try {
    parseSchedule(job.schedule, {
      ...(zone === undefined ? {} : { timezone: zone }),
      ...(defaultTimezone === undefined ? {} : { defaultTimezone }),
      jobName: job.name,
    });
  } catch (error) {
    if (!isDkronError(error)) throw error;
    throw invalid('schedule', `can't parse job schedule: ${error.message}`, error);
  }
}

function checkShell(job: Job): void {
  if (job.executor !== 'shell' || job.executor_config === null) return;
  const { timeout, mem_limit: memLimit } = job.executor_config;
  if (!isUnset(timeout)) {
    try {
      if (typeof timeout !== 'string' && typeof timeout !== 'number') throw new TypeError('not a duration');
      parseGoDuration(String(timeout));
    } catch (error) {
      throw invalid('executor_config.timeout', 'Error parsing job timeout value', error);
    }
  }
  if (!isUnset(memLimit)) {
    const text =
      typeof memLimit === 'string' || typeof memLimit === 'number'
        ? String(memLimit)
        : JSON.stringify(memLimit);
    try {
      parseMemoryLimit(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw invalid('executor_config.mem_limit', `Error parsing job memory limit value: ${detail}`, error);
    }
  }
}

function checkDuration(job: Job, field: 'catchup_window' | 'retry_backoff' | 'retry_backoff_max'): void {
  const text = job[field];
  if (text === '') return;
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw invalid(field, `${field}: ${detail}`, error);
  }
  if (ms < 0) throw invalid(field, `${field}: must not be negative, got ${JSON.stringify(text)}`);
}

function checkWindow(job: Job): void {
  if (job.starts_at === null || job.expires_at === null) return;
  const starts = timeToNanos(job.starts_at);
  const expires = timeToNanos(job.expires_at);
  if (starts === undefined)
    throw invalid('starts_at', `starts_at: expected an RFC 3339 time, got ${job.starts_at}`);
  if (expires === undefined) {
    throw invalid('expires_at', `expires_at: expected an RFC 3339 time, got ${job.expires_at}`);
  }
  if (starts >= expires) throw invalid('expires_at', 'expires_at must be later than starts_at');
}

function checkNotify(job: Job): void {
  const notify = job.notify;
  if (notify === null) return;
  if (notify.on !== undefined && !NOTIFY_ON.includes(notify.on)) {
    throw invalid(
      'notify.on',
      `notify.on: expected one of ${NOTIFY_ON.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(notify.on)}`,
    );
  }
  if (notify.webhook !== undefined && !isHttpUrl(notify.webhook)) {
    throw invalid(
      'notify.webhook',
      `notify.webhook: expected an http or https URL, got ${JSON.stringify(notify.webhook)}`,
    );
  }
  if (notify.email !== undefined) {
    const list = typeof notify.email === 'string' ? [notify.email] : notify.email;
    list.forEach((address, i) => {
      if (EMAIL.test(address)) return;
      const field = typeof notify.email === 'string' ? 'notify.email' : `notify.email[${i}]`;
      throw invalid(field, `${field}: expected an email address, got ${JSON.stringify(address)}`);
    });
  }
}

/** Limits that Dkron does not have, on values that could only fail (or overload) later. */
function checkLimits(job: Job): void {
  const length = [...job.name].length;
  if (length > MAX_NAME_LENGTH) {
    throw invalid('name', `name is ${length} characters long; at most ${MAX_NAME_LENGTH} are allowed`);
  }
  if (job.retries > MAX_RETRIES) {
    throw invalid('retries', `retries: at most ${MAX_RETRIES}, got ${job.retries}`);
  }
  for (const [key, value] of Object.entries(job.tags ?? {})) {
    // Dkron reads a count only when the value has exactly one colon (`web:2`; `host:80:2` has none).
    const parts = value.split(':');
    if (parts.length !== 2) continue;
    const count = parts[1] as string;
    if (!TAG_COUNT.test(count) || Number(count) < 1) {
      throw invalid(
        `tags.${key}`,
        `tags.${key}: the count after ":" must be a positive integer, got ${JSON.stringify(count)}`,
      );
    }
  }
}

/** What the shell executor would refuse when it runs: NUL bytes, and a command it cannot split. */
function checkShellCommand(job: Job): void {
  if (job.executor !== 'shell' || job.executor_config === null) return;
  const config = job.executor_config;
  for (const key of ['command', 'cwd', 'env'] as const) {
    const value = config[key];
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw invalid(`executor_config.${key}`, `executor_config.${key}: must not contain NUL bytes`);
    }
  }
  const shell = config.shell === true || (typeof config.shell === 'string' && TRUE_WORDS.has(config.shell));
  if (shell || typeof config.command !== 'string') return;
  const why = unsplittableCommand(config.command);
  if (why !== undefined) throw invalid('executor_config.command', `executor_config.command: ${why}`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Validates a bound job. Dkron's rules first, in Dkron's order and with its messages (without the
 * `Job validation failed: ` prefix, see {@link validationMessage}): name, parent ≠ self, schedule
 * (evaluated in the job's zone, a dkron-core extension), concurrency (`replace` is ours), timezone,
 * shell `timeout` and `mem_limit`. Then dkron-core's fields: `catchup_window`, `retry_backoff`,
 * `retry_backoff_max` (Go durations ≥ 0), `starts_at` < `expires_at`, `notify`, then limits Dkron does not
 * have (name length, `retries`, tag counts) and, for the shell executor, what could only fail at run time
 * (NUL bytes in `command`, `cwd` or `env`; a command without `shell` that cannot be split into words).
 * Then the executor and processor schemas through the given callbacks.
 *
 * @throws DkronError `VALIDATION` with `details.field`, or whatever the callbacks throw (`CONFIG_INVALID`).
 */
export function validateJob(job: Job, options: ValidateJobOptions = {}): void {
  checkName(job);
  checkSchedule(job, options.defaultTimezone);
  if (!CONCURRENCY.has(job.concurrency)) {
    throw invalid('concurrency', 'invalid concurrency policy value, use "allow", "forbid" or "replace"');
  }
  if (job.timezone !== '' && !isValidTimezone(job.timezone)) {
    throw invalid('timezone', `unknown time zone ${job.timezone}`);
  }
  checkShell(job);
  checkDuration(job, 'catchup_window');
  checkDuration(job, 'retry_backoff');
  checkDuration(job, 'retry_backoff_max');
  checkWindow(job);
  checkNotify(job);
  checkLimits(job);
  checkShellCommand(job);
  options.validateExecutorConfig?.(job.executor, job.executor_config);
  options.validateProcessors?.(job.processors);
}
