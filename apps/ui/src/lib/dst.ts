/**
 * Marks daylight-saving transitions in a list of fire times: where the zone's offset changes between
 * two runs (clocks skip or repeat an hour), and runs whose wall time happens twice that day. Computed
 * with the browser's time-zone data (Intl), from the times the server listed.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset at an instant, in minutes (`-300` for New York in winter). */
export function offsetAt(zone: string, ms: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    formatters.set(zone, f);
  }
  const name = f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

export interface Transition {
  /** The first instant with the new offset. */
  readonly at: number;
  readonly from: number;
  readonly to: number;
  /** `forward`: an hour is skipped; `back`: an hour happens twice. */
  readonly kind: 'forward' | 'back';
}

export interface AnnotatedTime {
  readonly time: string;
  readonly ms: number;
  /** A transition between the previous time (or the start) and this one. */
  readonly transition?: Transition;
  /** This wall time happens twice today; which one this run is. */
  readonly repeated?: 'first' | 'second';
}

/** The instant the offset changes between `a` (offset `oa`) and `b`, to the minute. */
function findTransition(zone: string, a: number, b: number): number {
  const oa = offsetAt(zone, a);
  let lo = a;
  let hi = b;
  while (hi - lo > 60_000) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(zone, mid) === oa) lo = mid;
    else hi = mid;
  }
  return Math.floor(hi / 60_000) * 60_000;
}

function repeatedOf(zone: string, ms: number): 'first' | 'second' | undefined {
  const own = offsetAt(zone, ms);
  for (const probe of [ms - 3 * 3_600_000, ms + 3 * 3_600_000]) {
    const other = offsetAt(zone, probe);
    if (other === own) continue;
    const twin = ms + (own - other) * 60_000;
    if (offsetAt(zone, twin) === other && twin !== ms) return ms < twin ? 'first' : 'second';
  }
  return undefined;
}

/** Annotates `times` (RFC 3339) in `zone`; `since` is where the list starts (default the first time). */
export function annotateDst(times: readonly string[], zone: string, since?: number): AnnotatedTime[] {
  let previous = since;
  return times.map((time) => {
    const ms = Date.parse(time);
    let transition: Transition | undefined;
    if (previous !== undefined && offsetAt(zone, previous) !== offsetAt(zone, ms)) {
      const at = findTransition(zone, previous, ms);
      const from = offsetAt(zone, previous);
      const to = offsetAt(zone, ms);
      transition = { at, from, to, kind: to > from ? 'forward' : 'back' };
    }
    previous = ms;
    const repeated = repeatedOf(zone, ms);
    return { time, ms, ...(transition ? { transition } : {}), ...(repeated ? { repeated } : {}) };
  });
}

/** `+02:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
