/**
 * Binding of a posted job body (`POST /v1/jobs`, restore files) to a full {@link Job}, as Dkron's JSON
 * binding does: absent and `null` fields take their defaults, unknown fields are ignored, and a value
 * of the wrong JSON type is refused with a message naming the field.
 */

import {
  type ConcurrencyPolicy,
  DEFAULT_CATCHUP_WINDOW,
  DkronError,
  defaultJob,
  type Job,
  type JobNotify,
  type JobStatus,
  type StringMap,
} from '@dkron-core/plugin-api';
import { checkNesting } from './nesting.js';
import { normalizeTime } from './time.js';

type Body = Readonly<Record<string, unknown>>;

export { DEFAULT_CATCHUP_WINDOW };

const JOB_STATUSES: readonly JobStatus[] = ['', 'success', 'failed', 'partially_failed', 'running'];

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function wrongType(field: string, expected: string, value: unknown): DkronError {
  return new DkronError('VALIDATION', `${field}: expected ${expected}, got ${shown(value)}`, {
    details: { field },
  });
}

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Go leaves a field untouched when the JSON holds `null`, so null means "default" everywhere.
const absent = (value: unknown): value is null | undefined => value === undefined || value === null;

function readString(body: Body, field: string, fallback = ''): string {
  const value = body[field];
  if (absent(value)) return fallback;
  if (typeof value !== 'string') throw wrongType(field, 'a string', value);
  return value;
}

function readBoolean(body: Body, field: string): boolean {
  const value = body[field];
  if (absent(value)) return false;
  if (typeof value !== 'boolean') throw wrongType(field, 'a boolean', value);
  return value;
}

function readCount(body: Body, field: string): number {
  const value = body[field];
  if (absent(value)) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw wrongType(field, 'a non-negative integer', value);
  }
  return value;
}

function readTime(body: Body, field: string): string | null {
  const value = body[field];
  if (absent(value) || value === '') return null;
  const normal = typeof value === 'string' ? normalizeTime(value) : undefined;
  if (normal === undefined)
    throw wrongType(field, 'an RFC 3339 time like "2006-01-02T15:04:05Z" or null', value);
  return normal;
}

function toStringMap(value: unknown, field: string): StringMap {
  if (!isObject(value)) throw wrongType(field, 'an object of strings', value);
  // fromEntries defines own properties, so a `__proto__` key stays a plain key.
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (typeof item !== 'string') throw wrongType(`${field}.${key}`, 'a string', item);
      return [key, item];
    }),
  );
}

function readStringMap(body: Body, field: string): StringMap | null {
  const value = body[field];
  return absent(value) ? null : toStringMap(value, field);
}

function readProcessors(body: Body): Record<string, Record<string, unknown>> {
  const value = body.processors;
  if (absent(value)) return {};
  if (!isObject(value)) throw wrongType('processors', 'an object of processor configs', value);
  return Object.fromEntries(
    Object.entries(value).map(([name, config]) => {
      if (absent(config)) return [name, {}];
      if (!isObject(config)) throw wrongType(`processors.${name}`, 'an object', config);
      // Values stay as sent, as in executor_config: the processor's config schema converts and checks
      // them, and publishes what it takes (`"forward": "true"` and `"forward": true` alike).
      return [name, { ...config }];
    }),
  );
}

function readExecutorConfig(body: Body): Record<string, unknown> | null {
  const value = body.executor_config;
  if (absent(value)) return null;
  if (!isObject(value)) throw wrongType('executor_config', 'an object', value);
  // Values stay as sent (Dkron sends strings; typed clients send numbers, lists…): the executor's
  // config schema converts and checks them.
  return { ...value };
}

function readNames(body: Body, field: string): string[] | null {
  const value = body[field];
  if (absent(value)) return null;
  if (!Array.isArray(value)) throw wrongType(field, 'a list of job names', value);
  return value.map((item, i) => {
    if (typeof item !== 'string') throw wrongType(`${field}[${i}]`, 'a string', item);
    return item;
  });
}

function readStatus(body: Body): JobStatus {
  const value = body.status;
  if (absent(value)) return '';
  if (typeof value !== 'string' || !(JOB_STATUSES as readonly string[]).includes(value)) {
    throw wrongType('status', `one of ${JOB_STATUSES.map((s) => JSON.stringify(s)).join(', ')}`, value);
  }
  return value as JobStatus;
}

function readNotify(body: Body): JobNotify | null {
  const value = body.notify;
  if (absent(value)) return null;
  if (!isObject(value)) throw wrongType('notify', 'an object', value);
  const notify: { on?: JobNotify['on']; webhook?: string; email?: string | string[] } = {};
  if (!absent(value.on)) {
    if (typeof value.on !== 'string') throw wrongType('notify.on', 'a string', value.on);
    // The value itself is checked by validateJob, in its place in the validation order.
    notify.on = value.on as JobNotify['on'];
  }
  if (!absent(value.webhook)) {
    if (typeof value.webhook !== 'string') throw wrongType('notify.webhook', 'a string', value.webhook);
    notify.webhook = value.webhook;
  }
  if (!absent(value.email)) {
    const email = value.email;
    if (typeof email === 'string') notify.email = email;
    else if (Array.isArray(email) && email.every((e) => typeof e === 'string')) notify.email = [...email];
    else throw wrongType('notify.email', 'an address or a list of addresses', email);
  }
  return notify;
}

/**
 * Binds a posted JSON body to a full {@link Job} with Dkron's defaults (`concurrency: 'allow'`,
 * `processors: {}`, null maps and times, zero counters, `next` = zero time) and dkron-core's
 * (`catchup_window: '60s'`, no backoff, no notify). `id` is always the name. `next` is computed by the
 * server, so a posted value is ignored. Nullable times are stored normalised to UTC.
 *
 * This checks JSON types (and that nothing nests deeper than 32 levels, see `checkNesting`) only;
 * {@link validateJob} checks the values.
 *
 * @throws DkronError `VALIDATION` naming the field, e.g. `retries: expected a non-negative integer, got "abc"`.
 */
export function toJob(input: unknown): Job {
  if (!isObject(input)) {
    throw new DkronError('VALIDATION', 'body: expected a JSON object', { details: { field: 'body' } });
  }
  checkNesting(input);
  const name = readString(input, 'name');
  const catchup = readString(input, 'catchup_window');
  return {
    ...defaultJob(name),
    displayname: readString(input, 'displayname'),
    timezone: readString(input, 'timezone'),
    schedule: readString(input, 'schedule'),
    owner: readString(input, 'owner'),
    owner_email: readString(input, 'owner_email'),
    success_count: readCount(input, 'success_count'),
    error_count: readCount(input, 'error_count'),
    last_success: readTime(input, 'last_success'),
    last_error: readTime(input, 'last_error'),
    disabled: readBoolean(input, 'disabled'),
    tags: readStringMap(input, 'tags'),
    metadata: readStringMap(input, 'metadata'),
    retries: readCount(input, 'retries'),
    dependent_jobs: readNames(input, 'dependent_jobs'),
    parent_job: readString(input, 'parent_job'),
    processors: readProcessors(input),
    // Any string binds, as in Dkron; validateJob refuses unknown policies in Dkron's order.
    concurrency: readString(input, 'concurrency', 'allow') as ConcurrencyPolicy,
    executor: readString(input, 'executor'),
    executor_config: readExecutorConfig(input),
    status: readStatus(input),
    ephemeral: readBoolean(input, 'ephemeral'),
    starts_at: readTime(input, 'starts_at'),
    expires_at: readTime(input, 'expires_at'),
    catchup_window: catchup === '' ? DEFAULT_CATCHUP_WINDOW : catchup,
    retry_backoff: readString(input, 'retry_backoff'),
    retry_backoff_max: readString(input, 'retry_backoff_max'),
    notify: readNotify(input),
    missed_count: readCount(input, 'missed_count'),
  };
}
