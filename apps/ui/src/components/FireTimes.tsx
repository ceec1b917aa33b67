import { annotateDst, formatOffset } from '../lib/dst';
import { formatInZone } from '../lib/format';

/** Fire times in the job's zone, with each DST transition between them and repeated hours marked. */
export function FireTimes({ times, zone }: { times: string[]; zone: string }) {
  if (times.length === 0) return <p className="muted">This schedule does not fire again.</p>;
  let marks: ReturnType<typeof annotateDst>;
  try {
    marks = annotateDst(times, zone);
  } catch {
    marks = times.map((time) => ({ time, ms: Date.parse(time) }));
  }
  return (
    <ol className="fire-times" style={{ paddingLeft: 20 }} aria-label={`Next fire times in ${zone}`}>
      {marks.map((m) => (
        <li key={m.time}>
          {m.transition ? (
            <div className="dst" role="note">
              Clocks go {m.transition.kind === 'forward' ? 'forward' : 'back'} at{' '}
              {formatInZone(new Date(m.transition.at).toISOString(), zone)} ({formatOffset(m.transition.from)}{' '}
              → {formatOffset(m.transition.to)}):{' '}
              {m.transition.kind === 'forward'
                ? 'an hour of wall-clock time is skipped'
                : 'an hour of wall-clock time happens twice'}
            </div>
          ) : null}
          <time dateTime={m.time}>{formatInZone(m.time, zone)}</time>{' '}
          {m.repeated ? (
            <span className="badge warn">
              repeated hour, {m.repeated === 'first' ? 'first' : 'second'} occurrence
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
