/**
 * Secret references: a value written `env:NAME` or `file:/absolute/path` (the whole string), or
 * `${env:NAME}` / `${file:/path}` inside a longer one (`DB_PASS=${env:DB_PASS},MODE=prod`), is
 * replaced at run time, on the node that runs the job, by the variable's value or the file's content
 * (without its final newline). The stored job keeps the reference, never the secret.
 */

import { DkronError } from '@dkron-core/plugin-api';

/** Where the values of references come from (the agent's environment and file system). */
export interface SecretSource {
  /** The variable's value, or `undefined` when it is not set. */
  env(name: string): string | undefined;
  /** The file's content; rejects when it cannot be read. */
  readFile(path: string): Promise<string>;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const PATH = '/[^\\s}]*';
const WHOLE = new RegExp(`^(?:env:(${NAME})|file:(${PATH}))$`);
const INLINE_SOURCE = `\\$\\{(?:env:(${NAME})|file:(${PATH}))\\}`;
const INLINE = new RegExp(INLINE_SOURCE, 'g');
/** Not global: `test` on it keeps no `lastIndex` for the next `matchAll` of {@link INLINE} to inherit. */
const HAS_INLINE = new RegExp(INLINE_SOURCE);

/** True when `value` is, or holds, a secret reference. */
export function hasSecretReference(value: string): boolean {
  return WHOLE.test(value) || HAS_INLINE.test(value);
}

/**
 * True when a string anywhere in `value` (plain objects and arrays, at any depth) is, or holds, a
 * secret reference: what {@link resolveSecretReferences} would change. Synchronous, so a caller can
 * skip the resolution (and its turn of the event loop) for the usual config that has none.
 */
export function holdsSecretReference(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(':') && hasSecretReference(value);
  if (Array.isArray(value)) return value.some(holdsSecretReference);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) if (holdsSecretReference(v)) return true;
  }
  return false;
}

async function lookup(source: SecretSource, field: string, name?: string, path?: string): Promise<string> {
  if (name !== undefined) {
    const value = source.env(name);
    if (value === undefined) {
      throw new DkronError(
        'CONFIG_INVALID',
        `${field}: secret reference env:${name}: the variable ${name} is not set on this node`,
        {
          details: { field },
        },
      );
    }
    return value;
  }
  try {
    return (await source.readFile(path as string)).replace(/\r?\n$/, '');
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
    throw new DkronError(
      'CONFIG_INVALID',
      `${field}: secret reference file:${path}: cannot read it (${why})`,
      {
        details: { field },
        cause,
      },
    );
  }
}

async function resolveString(text: string, field: string, source: SecretSource): Promise<string> {
  const whole = WHOLE.exec(text);
  if (whole) return lookup(source, field, whole[1], whole[2]);
  const parts: (string | Promise<string>)[] = [];
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    parts.push(text.slice(at, match.index), lookup(source, field, match[1], match[2]));
    at = (match.index ?? 0) + match[0].length;
  }
  if (at === 0) return text;
  parts.push(text.slice(at));
  return (await Promise.all(parts)).join('');
}

/**
 * `value` with every secret reference in its strings (in plain objects and arrays, at any depth)
 * replaced. Other values are kept as they are. `field` names the value in errors (`executor_config`).
 * A reference that cannot be resolved rejects with a `CONFIG_INVALID` error naming the field.
 */
export async function resolveSecretReferences<T>(value: T, field: string, source: SecretSource): Promise<T> {
  if (typeof value === 'string') return (await resolveString(value, field, source)) as T;
  if (Array.isArray(value)) {
    return (await Promise.all(
      value.map((v, i) => resolveSecretReferences(v, `${field}[${i}]`, source)),
    )) as T;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [
        k,
        await resolveSecretReferences(v, `${field}.${k}`, source),
      ]),
    );
    return Object.fromEntries(entries) as T;
  }
  return value;
}
