import { formatDuration, formatTime } from '../lib/format';
import type { JobSlots, SlotOutcome } from '../lib/types';

export const OUTCOME_WORDS: Record<SlotOutcome, string> = {
  ran: 'ran',
  skipped_forbid: 'skipped: still running (forbid)',
  outside_window: 'not run: outside starts_at / expires_at',
  disabled: 'not run: the job is disabled',
  no_target: 'not run: no node matches the tags',
  unknown: 'no record (before the kept history)',
  missed: 'missed: node down, store unavailable or too late',
};

const LEGEND: [string, string][] = [
  ['ran', 'var(--ok)'],
  ['failed run', 'var(--bad)'],
  ['missed', 'color-mix(in srgb, var(--bad) 50%, transparent)'],
  ['skipped / not run', 'var(--warn)'],
  ['no record', 'var(--idle-bg)'],
];

/** One cell per slot of the window, coloured and labelled by outcome, with counts per outcome. */
export function SlotView({ view }: { view: JobSlots }) {
  const counts = new Map<SlotOutcome, number>();
  for (const s of view.slots) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  if (view.total === 0) {
    return (
      <p className="muted">
        This job has no scheduled slots in the window (manual, a child job, or a one-off).
      </p>
    );
  }
  return (
    <div>
      <p>
        {view.total} slot{view.total === 1 ? '' : 's'} from {formatTime(view.from)} to {formatTime(view.to)}
        {view.slots.length < view.total ? ` (the latest ${view.slots.length} shown)` : ''}. Missed and not
        replayed in all: <strong>{view.missed_count}</strong>.
      </p>
      <ul className="legend" aria-label="Counts by outcome">
        {[...counts.entries()].map(([outcome, n]) => (
          <li key={outcome} style={{ listStyle: 'none' }}>
            <span className={`badge ${outcome}`}>
              {OUTCOME_WORDS[outcome]}: {n}
            </span>
          </li>
        ))}
      </ul>
      <div className="legend" aria-hidden="true">
        {LEGEND.map(([label, color]) => (
          <span key={label}>
            <i style={{ background: color }} /> {label}
          </span>
        ))}
      </div>
      <ul className="slots" aria-label="Slots, oldest first" style={{ padding: 0, margin: 0 }}>
        {view.slots.map((s) => {
          const words = `${formatTime(s.at)}: ${OUTCOME_WORDS[s.outcome]}${s.status ? ` (${s.status})` : ''}${
            s.lag_ms !== undefined ? `, started ${formatDuration(s.lag_ms)} after its slot` : ''
          }`;
          return (
            <li
              key={s.at}
              className={`slot ${s.outcome} ${s.status ?? ''}`}
              title={words}
              style={{ listStyle: 'none' }}
            >
              <span className="sr-only">{words}</span>
            </li>
          );
        })}
      </ul>
      {view.history_from ? (
        <p className="muted">
          Executions are kept from {formatTime(view.history_from)} on; older slots have no record.
        </p>
      ) : null}
    </div>
  );
}
