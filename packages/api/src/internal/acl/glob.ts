/**
 * Path globs of ACL policies (Dkron Pro's): `*` matches within one path segment, `**` across
 * segments, everything else is literal. `/v1/jobs/team-a-*` matches `/v1/jobs/team-a-etl` but not
 * `/v1/jobs/team-a-etl/run`; `/v1/jobs/**` matches both.
 */

/** A glob is a path: no whitespace, no control characters (`\p{Cc}`), no `?` or `#`. */
const VALID = /^\/[^\s\p{Cc}?#]*$/u;

/** Why `glob` is unusable, or `undefined` when it is fine. */
export function globProblem(glob: string): string | undefined {
  if (!glob.startsWith('/')) return 'must start with /';
  if (!VALID.test(glob)) return 'may not contain spaces, control characters, ? or #';
  if (glob.includes('***')) return 'use * (one segment) or ** (any depth), not ***';
  return undefined;
}

/** The anchored regular expression of a valid glob. */
export function compileGlob(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'u');
}
