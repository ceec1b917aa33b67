// Per field position (seconds first), Dkron's value for `~`: hash modulo the field's span, plus its minimum.
const HASHED_FIELDS: readonly { readonly modulus: number; readonly min: number }[] = [
  { modulus: 60, min: 0 }, // seconds
  { modulus: 60, min: 0 }, // minutes
  { modulus: 24, min: 0 }, // hours
  { modulus: 28, min: 1 }, // day of month: 1-28 exists in every month
  { modulus: 12, min: 1 }, // month
  { modulus: 7, min: 0 }, // day of week
];

const isZonePrefix = (part: string): boolean => part.startsWith('TZ=') || part.startsWith('CRON_TZ=');

/**
 * Replaces each `~` of a cron expression with a number derived from the job name, as Dkron does
 * (dkron-behaviour §4.3): the sum of the name's Unicode code points, modulo the field's range.
 * `TZ=`/`CRON_TZ=` parts are kept and not counted; expressions with a part starting with `@` and
 * expressions without `~` are returned unchanged. A 5-field expression (no seconds) is hashed from
 * the minutes on.
 *
 * @example hashSchedule('0 0 ~ * * *', 'test_job') === '0 0 18 * * *'
 */
export function hashSchedule(expression: string, jobName: string): string {
  if (!expression.includes('~')) return expression;
  const parts = expression.trim().split(/\s+/);
  if (parts.some((part) => part.startsWith('@'))) return expression;
  let hash = 0;
  for (const char of jobName) hash += char.codePointAt(0) ?? 0;
  const fieldCount = parts.filter((part) => !isZonePrefix(part)).length;
  let position = fieldCount === 5 ? 1 : 0;
  return parts
    .map((part) => {
      if (isZonePrefix(part)) return part;
      const field = HASHED_FIELDS[position++];
      if (field === undefined || !part.includes('~')) return part;
      return part.replaceAll('~', String((hash % field.modulus) + field.min));
    })
    .join(' ');
}
