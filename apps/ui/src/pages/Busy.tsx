import { Fragment, useState } from 'react';
import {
  ErrorNotice,
  executionStatus,
  LiveOutput,
  Loading,
  ScrollRegion,
  StatusBadge,
  Time,
  useAction,
} from '../components/ui';
import { api } from '../lib/api';
import { executionDuration, formatDuration } from '../lib/format';
import { useLoad, useNow } from '../lib/hooks';
import { href, useTitle } from '../lib/router';
import { jobPath, useCan } from '../lib/session';

export function Busy() {
  useTitle('Running');
  const now = useNow(1000);
  const busy = useLoad((s) => api.busy(s), [], 2000);
  const [open, setOpen] = useState<string>();
  const act = useAction();
  // Who may run a job may cancel its runs (the server checks /v1/jobs/<job>/run).
  const can = useCan((busy.data ?? []).map((e) => jobPath(e.job_name, 'run')));
  return (
    <>
      <h1>Running executions</h1>
      <section className="panel" aria-label="Running executions">
        <ErrorNotice error={busy.error} />
        {!busy.data ? <Loading what="running executions" /> : null}
        {busy.data && busy.data.length === 0 ? <p className="muted">Nothing is running right now.</p> : null}
        {busy.data && busy.data.length > 0 ? (
          <ScrollRegion label="Running executions table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Node</th>
                  <th scope="col">Started</th>
                  <th scope="col">Running for</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {busy.data.map((e) => (
                  <Fragment key={e.id}>
                    <tr>
                      <td>
                        <a href={href('jobs', e.job_name)}>{e.job_name}</a>
                      </td>
                      <td>{e.node_name}</td>
                      <td>
                        <Time value={e.started_at} />
                      </td>
                      <td>{formatDuration(executionDuration(e, now))}</td>
                      <td>
                        <StatusBadge status={executionStatus(e)} />
                      </td>
                      <td className="row">
                        <button
                          type="button"
                          aria-expanded={open === e.id}
                          onClick={() => setOpen(open === e.id ? undefined : e.id)}
                        >
                          {open === e.id ? 'Hide output' : 'Output'}
                        </button>
                        {can(jobPath(e.job_name, 'run'), 'create') ? (
                          <button
                            type="button"
                            className="danger"
                            onClick={() =>
                              void act(`Cancelled ${e.job_name}`, () =>
                                api.cancelExecution(e.job_name, e.id),
                              ).then(busy.reload)
                            }
                          >
                            Cancel
                          </button>
                        ) : null}
                      </td>
                    </tr>
                    {open === e.id ? (
                      <tr>
                        <td colSpan={6}>
                          <LiveOutput job={e.job_name} id={e.id} onDone={busy.reload} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        ) : null}
      </section>
    </>
  );
}
