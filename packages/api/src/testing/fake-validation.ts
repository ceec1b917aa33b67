/**
 * The fake agent's job validation: a small subset of Dkron's rules (§2.2 of the behaviour notes)
 * with the messages and error codes the real agent uses, and `details.field` on every error.
 */

import { DkronError, type Job } from '@dkron-core/plugin-api';

/** The writable fields of a posted job, checked. */
export type JobFields = Partial<Job> & { name: string };

function invalid(field: string, message: string, code: 'VALIDATION' | 'SCHEDULE_INVALID' = 'VALIDATION') {
  return new DkronError(code, message, { details: { field } });
}

const STRING_FIELDS = [
  'displayname',
  'timezone',
  'schedule',
  'owner',
  'owner_email',
  'parent_job',
  'concurrency',
  'executor',
] as const;
const BOOLEAN_FIELDS = ['disabled', 'ephemeral'] as const;
const MAP_FIELDS = ['tags', 'metadata'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTypes(input: Record<string, unknown>): void {
  for (const field of STRING_FIELDS) {
    if (input[field] !== undefined && typeof input[field] !== 'string') {
      throw invalid(field, `${field} must be a string`);
    }
  }
  for (const field of BOOLEAN_FIELDS) {
    if (input[field] !== undefined && typeof input[field] !== 'boolean') {
      throw invalid(field, `${field} must be a boolean`);
    }
  }
  for (const field of MAP_FIELDS) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
      throw invalid(field, `${field} must be a map of strings`);
    }
  }
  const retries = input.retries;
  if (retries !== undefined && !(typeof retries === 'number' && Number.isInteger(retries) && retries >= 0)) {
    throw invalid('retries', 'retries must be a non-negative integer');
  }
  checkExecutorConfig(input.executor_config);
  const processors = input.processors;
  if (processors === undefined || processors === null) return;
  if (!isPlainObject(processors)) throw invalid('processors', 'processors must be an object');
  for (const [name, config] of Object.entries(processors)) {
    if (config !== null && !isPlainObject(config)) {
      throw invalid(`processors.${name}`, 'a processor config must be an object');
    }
  }
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Config schemas take scalars, lists of scalars and flat maps (e.g. http headers), nothing deeper. */
function checkExecutorConfig(config: unknown): void {
  if (config === undefined || config === null) return;
  if (!isPlainObject(config)) throw invalid('executor_config', 'executor_config must be an object');
  for (const [key, value] of Object.entries(config)) {
    const flat = Array.isArray(value)
      ? value.every(isScalar)
      : isPlainObject(value)
        ? Object.values(value).every(isScalar)
        : isScalar(value);
    if (!flat) throw invalid(`executor_config.${key}`, `executor_config.${key} has an unsupported shape`);
  }
}

const SCHEDULE =
  /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly|minutely|manually)|@every \d+(ms|s|m|h)|@at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|([0-9*?/,~-]+ ){4,5}[0-9*?/,~-]+)$/;

function checkRules(input: Record<string, unknown>, name: string, executors: readonly string[]): void {
  if (name === '') throw invalid('name', 'name cannot be empty');
  const bad = [...name].find((ch) => !/[\p{Ll}0-9_-]/u.test(ch));
  if (bad !== undefined) throw invalid('name', `name contains illegal character '${bad}'`);
  if (input.parent_job === name) throw invalid('parent_job', 'the job can not have itself as parent');
  const schedule = (input.schedule as string | undefined) ?? '';
  if (schedule === '' && !input.parent_job) {
    throw invalid('schedule', "can't parse job schedule: empty spec string", 'SCHEDULE_INVALID');
  }
  if (schedule !== '' && !SCHEDULE.test(schedule)) {
    throw invalid('schedule', `can't parse job schedule: bad spec ${schedule}`, 'SCHEDULE_INVALID');
  }
  if (!['allow', 'forbid', 'replace', '', undefined].includes(input.concurrency as string | undefined)) {
    throw invalid('concurrency', 'invalid concurrency policy value, use "allow" or "forbid"');
  }
  const timezone = input.timezone as string | undefined;
  if (timezone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw invalid('timezone', `unknown time zone ${timezone}`);
    }
  }
  const executor = input.executor as string | undefined;
  if (executor && !executors.includes(executor)) throw invalid('executor', `unknown executor "${executor}"`);
  const timeout = (input.executor_config as Record<string, unknown> | null | undefined)?.timeout;
  if (executor === 'shell' && timeout !== undefined && !/^\d+(ms|s|m|h)$/.test(String(timeout))) {
    throw invalid('executor_config.timeout', 'Error parsing job timeout value');
  }
}

/** Checks a posted job and returns its writable fields (unknown fields are dropped, as Dkron does). */
export function validateJobInput(input: unknown, executors: readonly string[]): JobFields {
  if (!isPlainObject(input)) throw invalid('', 'job must be an object');
  if (input.name !== undefined && typeof input.name !== 'string')
    throw invalid('name', 'name must be a string');
  checkTypes(input);
  const name = (input.name as string | undefined) ?? '';
  checkRules(input, name, executors);
  const fields: Record<string, unknown> = { name };
  for (const field of [
    ...STRING_FIELDS,
    ...BOOLEAN_FIELDS,
    ...MAP_FIELDS,
    'retries',
    'executor_config',
    'processors',
  ]) {
    if (input[field] !== undefined) fields[field] = input[field];
  }
  return fields as JobFields;
}
