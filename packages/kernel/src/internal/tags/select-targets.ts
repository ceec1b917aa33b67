/**
 * Target-node selection for one run of a job (Dkron §5.8): which alive members carry the job's tags,
 * and which of them run it when the tags cap the count.
 */

import { cleanTags } from './clean-tags.js';

/** A job's tags as selection reads them. */
interface Wanted {
  readonly wanted: readonly (readonly [string, string])[];
  readonly cardinality: number;
}

const NO_TAGS: Wanted = { wanted: [], cardinality: Number.POSITIVE_INFINITY };
/** Selection runs for every run of a job: its tags (a job's, which are never changed) are read once. */
const wantedByTags = new WeakMap<Readonly<Record<string, string>>, Wanted>();

function wantedOf(jobTags: Readonly<Record<string, string>> | null): Wanted {
  if (jobTags === null) return NO_TAGS;
  let w = wantedByTags.get(jobTags);
  if (w === undefined) {
    const { tags, cardinality } = cleanTags(jobTags);
    w = { wanted: Object.entries(tags), cardinality };
    wantedByTags.set(jobTags, w);
  }
  return w;
}

/** The member fields selection needs. */
export interface TargetCandidate {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly alive: boolean;
}

/**
 * Picks the members that run a job.
 *
 * Candidates are the alive members carrying every job tag with exactly the same value (no tags: every
 * alive member). When there are more candidates than the tags' cardinality, `cardinality` distinct
 * members are drawn uniformly at random; otherwise all candidates are returned in input order.
 *
 * @param random - floats in `[0, 1)`, e.g. from `createRandom`; called once per drawn member.
 */
export function selectTargets<M extends TargetCandidate>(
  jobTags: Readonly<Record<string, string>> | null,
  members: readonly M[],
  random: () => number,
): M[] {
  const { wanted, cardinality } = wantedOf(jobTags);
  const candidates = members.filter(
    (member) => member.alive && wanted.every(([key, value]) => member.tags[key] === value),
  );
  if (cardinality >= candidates.length) return candidates;
  // Partial Fisher-Yates: after step i, candidates[0..i] is a uniform draw without replacement.
  for (let i = 0; i < cardinality; i++) {
    const j = i + Math.min(Math.floor(random() * (candidates.length - i)), candidates.length - i - 1);
    const picked = candidates[j] as M;
    candidates[j] = candidates[i] as M;
    candidates[i] = picked;
  }
  return candidates.slice(0, cardinality);
}
