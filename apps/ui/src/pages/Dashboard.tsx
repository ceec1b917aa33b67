import { MembersTable } from '../components/MembersTable';
import { StatsChart } from '../components/StatsChart';
import { ErrorNotice, Loading, NotAllowed, ScrollRegion, Time } from '../components/ui';
import { api } from '../lib/api';
import { executionDuration, formatDuration, relative } from '../lib/format';
import { type Loaded, useLoad, useNow } from '../lib/hooks';
import { href, useTitle } from '../lib/router';
import { useCan } from '../lib/session';

async function counts(signal: AbortSignal) {
  const total = (status?: string) =>
    api.jobs({ ...(status ? { status } : {}), end: 0 }, signal).then((p) => p.total);
  const [all, success, failed, untriggered] = await Promise.all([
    total(),
    total('success'),
    total('failed'),
    total('untriggered'),
  ]);
  return { all, success, failed, untriggered };
}

const PANELS = ['/v1/jobs', '/v1/leader', '/v1/members', '/v1/stats', '/v1/busy', '/v1/upcoming'] as const;
type Panel = (typeof PANELS)[number];

/**
 * Loads `load` every `ms` once the token is known to read `path` (always with ACLs off); resolves to
 * `undefined` while that is being asked or when it may not, so that no 403 is provoked.
 */
function usePanel<T>(
  allowed: boolean | undefined,
  load: (signal: AbortSignal) => Promise<T>,
  ms: number,
): Loaded<T | undefined> {
  return useLoad(
    (s) => (allowed ? load(s) : Promise.resolve(undefined)),
    [allowed],
    allowed ? ms : undefined,
  );
}

export function Dashboard() {
  useTitle('Dashboard');
  const now = useNow(1000);
  const can = useCan(PANELS);
  const reads = (path: Panel) => can(path, 'list', 'read');
  const jobCounts = usePanel(reads('/v1/jobs'), counts, 5000);
  const leader = usePanel(reads('/v1/leader'), (s) => api.leader(s).catch(() => undefined), 10_000);
  const members = usePanel(reads('/v1/members'), (s) => api.members(s), 10_000);
  const stats = usePanel(reads('/v1/stats'), (s) => api.stats(30, s), 30_000);
  const busy = usePanel(reads('/v1/busy'), (s) => api.busy(s), 2000);
  const upcoming = usePanel(reads('/v1/upcoming'), (s) => api.upcoming(60, s), 10_000);

  // With ACLs on the page carries no counts or leader (it is public): '—' until the API answered.
  const fromPage = !window.DKRON_ACL_ENABLED;
  const c =
    jobCounts.data ??
    (fromPage
      ? {
          all: window.DKRON_TOTAL_JOBS ?? 0,
          success: window.DKRON_SUCCESSFUL_JOBS ?? 0,
          failed: window.DKRON_FAILED_JOBS ?? 0,
          untriggered: window.DKRON_UNTRIGGERED_JOBS ?? 0,
        }
      : { all: '—', success: '—', failed: '—', untriggered: '—' });
  const readsLeader = reads('/v1/leader');
  const pending = readsLeader === undefined || leader.loading;
  const leaderName =
    leader.data?.Name ??
    (readsLeader === false ? '—' : pending ? (fromPage && window.DKRON_LEADER) || '—' : 'no leader');
  const cards: [string, string | number, string][] = [
    ['Leader', leaderName, href('members')],
    ['Total jobs', c.all, href('jobs')],
    ['Successful', c.success, href('jobs', { status: 'success' })],
    ['Failed', c.failed, href('jobs', { status: 'failed' })],
    ['Never ran', c.untriggered, href('jobs', { status: 'untriggered' })],
    ['Running now', busy.data?.length ?? (reads('/v1/busy') === false ? '—' : 0), href('busy')],
  ];

  return (
    <>
      <h1>Dashboard</h1>
      <section className="cards" aria-label="Summary">
        {cards.map(([label, value, to]) => (
          <a className="card" href={to} key={label} data-testid={`card-${label}`}>
            <div className="label">{label}</div>
            <div className="value">{value}</div>
          </a>
        ))}
      </section>
      <div className="grid2">
        <section className="panel" aria-labelledby="stats-h">
          <h2 id="stats-h">Executions, last 30 days</h2>
          <ErrorNotice error={stats.error} />
          {reads('/v1/stats') === false ? <NotAllowed what="statistics" /> : null}
          {stats.data ? <StatsChart stats={stats.data.stats} /> : null}
          {!stats.data && reads('/v1/stats') !== false ? <Loading what="statistics" /> : null}
        </section>
        <section className="panel" aria-labelledby="running-h">
          <h2 id="running-h">Running executions</h2>
          <ErrorNotice error={busy.error} />
          {reads('/v1/busy') === false ? <NotAllowed what="running executions" /> : null}
          {busy.data && busy.data.length === 0 ? <p className="muted">Nothing is running.</p> : null}
          {busy.data && busy.data.length > 0 ? (
            <ul>
              {busy.data.map((e) => (
                <li key={e.id}>
                  <a href={href('jobs', e.job_name, { tab: 'executions' })}>{e.job_name}</a> on {e.node_name},{' '}
                  {formatDuration(executionDuration(e, now))}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
      <div className="grid2">
        <section className="panel" aria-labelledby="upcoming-h">
          <h2 id="upcoming-h">Upcoming runs, next hour</h2>
          <ErrorNotice error={upcoming.error} />
          {reads('/v1/upcoming') === false ? <NotAllowed what="upcoming runs" /> : null}
          {upcoming.data && upcoming.data.length === 0 ? (
            <p className="muted">No run in the next hour.</p>
          ) : null}
          {upcoming.data && upcoming.data.length > 0 ? (
            <ScrollRegion label="Upcoming runs">
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Job</th>
                  </tr>
                </thead>
                <tbody>
                  {upcoming.data.map((r) => (
                    <tr key={`${r.job}-${r.at}`}>
                      <td>
                        <Time value={r.at} /> <span className="muted">{relative(r.at, now)}</span>
                      </td>
                      <td>
                        <a href={href('jobs', r.job)}>{r.displayname || r.job}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          ) : null}
        </section>
        <section className="panel" aria-labelledby="members-h">
          <h2 id="members-h">Cluster members</h2>
          <ErrorNotice error={members.error} />
          {reads('/v1/members') === false ? <NotAllowed what="the cluster's members" /> : null}
          {members.data ? <MembersTable members={members.data} leader={leader.data?.Name} /> : null}
          {!members.data && reads('/v1/members') !== false ? <Loading what="members" /> : null}
        </section>
      </div>
    </>
  );
}
