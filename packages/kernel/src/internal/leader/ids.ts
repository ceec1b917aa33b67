/**
 * Execution ids are Dkron's `<started_at in Unix nanoseconds>-<node>`. Milliseconds are all a JS clock
 * gives, so the sub-millisecond digits carry a per-process sequence: two runs started in the same
 * millisecond on one node still get distinct ids.
 */
let sequence = 0;

export function executionId(startedAtMs: number, nodeName: string): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${Math.trunc(startedAtMs)}${String(sequence).padStart(6, '0')}-${nodeName}`;
}

/** A trigger group: the dispatch time in nanoseconds, as Dkron. */
export function groupId(ms: number): number {
  return Math.trunc(ms) * 1_000_000;
}

import { msToTime } from '../job/index.js';

/** RFC 3339 in UTC, in the store's normal form (fraction only when not zero). */
export { msToTime as rfc3339 };

/** {@link msToTime} remembering its last answer: thousands of runs of one slot share their times. */
export function timeTextCache(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastText = msToTime(ms);
      lastMs = ms;
    }
    return lastText;
  };
}
