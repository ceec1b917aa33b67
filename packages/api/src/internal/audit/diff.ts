import { type AuditChange, maskJobSecrets } from '@dkron-core/kernel';
import type { Job } from '@dkron-core/plugin-api';

/** Job fields the server maintains: they are state, not definition, and stay out of diffs. */
const JOB_RUNTIME_FIELDS = new Set([
  'id',
  'success_count',
  'error_count',
  'last_success',
  'last_error',
  'dependent_jobs',
  'status',
  'next',
  'missed_count',
]);

/** The definition of a job, its secrets masked: every field but the ones the server maintains. */
export function jobDefinition(job: Job): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(maskJobSecrets(job)).filter(([key]) => !JOB_RUNTIME_FIELDS.has(key)),
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{a: {b: 1}, c: [1]}` → `{"a.b": 1, "c": [1]}`; an empty object stays a leaf. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix !== '') {
    out.set(prefix, value);
  }
}

/**
 * The changes from `before` to `after` (definitions; `null` for "did not exist"), by dotted path,
 * sorted; `null` when neither exists. A field absent on one side shows as `null` there.
 */
export function diffDefinitions(before: unknown, after: unknown): Record<string, AuditChange> | null {
  if ((before === null || before === undefined) && (after === null || after === undefined)) return null;
  const old = new Map<string, unknown>();
  const now = new Map<string, unknown>();
  flatten(before ?? {}, '', old);
  flatten(after ?? {}, '', now);
  const out: Record<string, AuditChange> = {};
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const a = old.get(path) ?? null;
    const b = now.get(path) ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) out[path] = { old: a, new: b };
  }
  return out;
}
