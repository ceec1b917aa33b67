/**
 * Masking of secrets written in plain text in a job (`executor_config`, `processors`, `notify`), so
 * that API answers, backups and the audit log do not show them. Only what looks like a secret is
 * masked: the value of a key named like one (`password`, `token`, `api_key`, …), a `KEY=value` pair
 * or a `Name: value` header named like one, the password of a URL's user info. References
 * (`env:NAME`, `${file:/path}`) are not secrets and are shown.
 */

import type { Job } from '@dkron-core/plugin-api';
import { hasSecretReference } from './references.js';

/** What a masked value reads. */
export const SECRET_MASK = '********';

/** Names of keys, variables and headers that hold secrets. */
const SECRET_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[-_]?key|apikey|auth(orization)?|credentials?|private[-_]?key|access[-_]?key|cookie|session)$/i;

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]+:)([^\s@/"'\\]+)(@)/gi;
const PAIR = /(^|[,;\s-])([A-Za-z_][A-Za-z0-9_.-]*)=([^,;\s"'\\]*)/g;
const HEADER = /(^|["'[,\s])([A-Za-z][A-Za-z0-9-]*)(\s*:\s*)([^"'\\,\]\n\r]+)/g;

/** True when `text` is nothing but references (`env:NAME`, or `${…}` and separators). */
function onlyReferences(text: string): boolean {
  return (
    hasSecretReference(text) && text.replace(INLINE_REFERENCE, '').replace(WHOLE_REFERENCE, '').trim() === ''
  );
}

const WHOLE_REFERENCE = /^(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/[^\s}]*)$/;
const INLINE_REFERENCE = /\$\{(?:env:[A-Za-z_][A-Za-z0-9_]*|file:\/[^\s}]*)\}/g;

/** A fragment that is a reference or a shell expansion (`$VAR`) is no secret. */
const isPlain = (value: string) => value !== '' && !value.startsWith('$') && !hasSecretReference(value);

function maskText(text: string, keyIsSecret: boolean): string {
  if (text === '') return text;
  if (keyIsSecret) return onlyReferences(text) ? text : SECRET_MASK;
  return text
    .replace(URL_PASSWORD, (m, head: string, password: string, at: string) =>
      isPlain(password) ? `${head}${SECRET_MASK}${at}` : m,
    )
    .replace(PAIR, (m, lead: string, key: string, value: string) =>
      SECRET_NAME.test(key) && isPlain(value) ? `${lead}${key}=${SECRET_MASK}` : m,
    )
    .replace(HEADER, (m, lead: string, name: string, sep: string, value: string) =>
      SECRET_NAME.test(name) && !value.startsWith('//') && isPlain(value.trim())
        ? `${lead}${name}${sep}${SECRET_MASK}`
        : m,
    );
}

function maskValue(value: unknown, keyIsSecret: boolean): unknown {
  if (typeof value === 'string') return maskText(value, keyIsSecret);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, keyIsSecret));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskValue(v, keyIsSecret || SECRET_NAME.test(k))]),
    );
  }
  return value;
}

/** The job with the plain-text secrets of its configs masked. */
export function maskJobSecrets(job: Job): Job {
  return {
    ...job,
    executor_config:
      job.executor_config === null ? null : (maskValue(job.executor_config, false) as Job['executor_config']),
    processors: maskValue(job.processors, false) as Job['processors'],
    notify: job.notify === null ? null : (maskValue(job.notify, false) as Job['notify']),
  };
}

function unmaskValue(input: unknown, stored: unknown, keyIsSecret: boolean): unknown {
  if (typeof input === 'string') {
    return input.includes(SECRET_MASK) &&
      typeof stored === 'string' &&
      maskText(stored, keyIsSecret) === input
      ? stored
      : input;
  }
  if (Array.isArray(input)) {
    return input.map((v, i) => unmaskValue(v, Array.isArray(stored) ? stored[i] : undefined, keyIsSecret));
  }
  if (typeof input === 'object' && input !== null) {
    const from = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
    return Object.fromEntries(
      Object.entries(input).map(([k, v]) => [k, unmaskValue(v, from[k], keyIsSecret || SECRET_NAME.test(k))]),
    );
  }
  return input;
}

/**
 * A posted job with every value that reads exactly as the stored job's masked one put back to the
 * stored value: a client that saves what it was shown (a UI form, a backup restored to the same
 * cluster) keeps the secret instead of storing the mask.
 */
export function unmaskJobSecrets(input: Record<string, unknown>, stored: Job): Record<string, unknown> {
  const out = { ...input };
  for (const field of ['executor_config', 'processors', 'notify'] as const) {
    if (Object.hasOwn(input, field)) out[field] = unmaskValue(input[field], stored[field], false);
  }
  return out;
}
