/**
 * Dkron's job-tag syntax: `"key": "value"` or `"key": "value:count"`, where `count` caps how many
 * matching nodes run the job.
 */

/** Job tags without their `:count` suffixes, and the number of nodes to pick. */
export interface CleanTags {
  /** Tag values as nodes must carry them. */
  readonly tags: Record<string, string>;
  /** The smallest `:count` over all tags; `Infinity` when no tag has one; `0` for an invalid count. */
  readonly cardinality: number;
}

// Go's strconv.Atoi: optional sign, ASCII digits only.
const COUNT = /^[+-]?\d+$/;

/**
 * Splits `value:count` tag values the way Dkron does: the value is the text before the first `:`, and
 * a count is read only when the value has exactly one `:`. A count that is not an integer (or is
 * negative, which Dkron would crash on) selects no node.
 */
export function cleanTags(tags: Readonly<Record<string, string>> | null): CleanTags {
  const clean: Record<string, string> = {};
  let cardinality = Number.POSITIVE_INFINITY;
  for (const [key, raw] of Object.entries(tags ?? {})) {
    const parts = raw.split(':');
    clean[key] = parts[0] as string;
    if (parts.length !== 2) continue;
    const text = parts[1] as string;
    const count = COUNT.test(text) ? Math.max(0, Number(text)) : 0;
    if (count < cardinality) cardinality = count;
  }
  return { tags: clean, cardinality };
}
