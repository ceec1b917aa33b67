import { MembersTable } from '../components/MembersTable';
import { StatsChart } from '../components/StatsChart';
import { ErrorNotice, Loading, ScrollRegion, Time } from '../components/ui';
import { api } from '../lib/api';
import { executionDuration, formatDuration, relative } from '../lib/format';
import { useLoad, useNow } from '../lib/hooks';
import { href, useTitle } from '../lib/router';

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

export function Dashboard() {
  useTitle('Dashboard');
  const now = useNow(1000);
  const jobCounts = useLoad(counts, [], 5000);
  const leader = useLoad((s) => api.leader(s).catch(() => undefined), [], 10_000);
  const members = useLoad((s) => api.members(s), [], 10_000);
  const stats = useLoad((s) => api.stats(30, s), [], 30_000);
  const busy = useLoad((s) => api.busy(s), [], 2000);
  const upcoming = useLoad((s) => api.upcoming(60, s), [], 10_000);

  const c = jobCounts.data ?? {
    all: window.DKRON_TOTAL_JOBS ?? 0,
    success: window.DKRON_SUCCESSFUL_JOBS ?? 0,
    failed: window.DKRON_FAILED_JOBS ?? 0,
    untriggered: window.DKRON_UNTRIGGERED_JOBS ?? 0,
  };
  const leaderName = leader.data?.Name ?? (leader.loading ? window.DKRON_LEADER : undefined) ?? 'no leader';
  const cards: [string, string | number, string][] = [
    ['Leader', leaderName, href('members')],
    ['Total jobs', c.all, href('jobs')],
    ['Successful', c.success, href('jobs', { status: 'success' })],
    ['Failed', c.failed, href('jobs', { status: 'failed' })],
    ['Never ran', c.untriggered, href('jobs', { status: 'untriggered' })],
    ['Running now', busy.data?.length ?? 0, href('busy')],
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
          {stats.data ? <StatsChart stats={stats.data.stats} /> : <Loading what="statistics" />}
        </section>
        <section className="panel" aria-labelledby="running-h">
          <h2 id="running-h">Running executions</h2>
          <ErrorNotice error={busy.error} />
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
          {members.data ? (
            <MembersTable members={members.data} leader={leader.data?.Name} />
          ) : (
            <Loading what="members" />
          )}
        </section>
      </div>
    </>
  );
}
