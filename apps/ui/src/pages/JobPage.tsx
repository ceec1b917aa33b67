import { type ReactNode, useState } from 'react';
import { DependencyGraph } from '../components/DependencyGraph';
import { FireTimes } from '../components/FireTimes';
import { SlotView } from '../components/SlotView';
import {
  Chips,
  ConfirmDialog,
  ErrorNotice,
  executionStatus,
  LiveOutput,
  Loading,
  Pager,
  ScrollRegion,
  StatusBadge,
  Time,
  useAction,
} from '../components/ui';
import { api } from '../lib/api';
import { executionDuration, formatDuration, formatTime, isSet } from '../lib/format';
import { useLoad, useNow } from '../lib/hooks';
import { href, navigate, useTitle } from '../lib/router';
import { describeSchedule } from '../lib/schedule-words';
import { jobPath, useCan, useCanCreateJobs } from '../lib/session';
import type { Execution, Job } from '../lib/types';

/** `[tab, label, policy path under the job (read needed), or '' for the job itself]`. */
const TABS = [
  ['summary', 'Summary', ''],
  ['executions', 'Executions', 'executions'],
  ['schedule', 'Next runs', 'upcoming'],
  ['slots', 'Last day', 'slots'],
  ['dependencies', 'Dependencies', 'graph'],
] as const;

/** The policy paths the job page's actions and tabs need. */
function pagePaths(name: string): string[] {
  return [
    jobPath(name),
    jobPath(name, 'run'),
    jobPath(name, 'toggle'),
    ...TABS.filter(([, , sub]) => sub !== '').map(([, , sub]) => jobPath(name, sub)),
    '/v1/busy',
  ];
}

export function JobPage({ name, tab }: { name: string; tab: string }) {
  useTitle(name);
  const can = useCan(pagePaths(name));
  const canCreate = useCanCreateJobs();
  const readsBusy = can('/v1/busy', 'list', 'read');
  const job = useLoad((s) => api.job(name, s), [name], 3000);
  const busy = useLoad(
    (s) => (readsBusy ? api.busy(s) : Promise.resolve([])),
    [name, readsBusy],
    readsBusy ? 2000 : undefined,
  );
  const act = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  /** Bumped by the actions, so that the open tab reloads at once. */
  const [version, setVersion] = useState(0);
  const running = (busy.data ?? []).filter((e) => e.job_name === name);

  if (job.error && !job.data) {
    return (
      <>
        <h1>{name}</h1>
        <ErrorNotice error={job.error} />
        <a href="#/jobs">Back to the jobs</a>
      </>
    );
  }
  if (!job.data) return <Loading what="the job" />;
  const j = job.data;
  const forbidBusy = j.concurrency === 'forbid' && running.length > 0;
  const may = {
    run: can(jobPath(j.name, 'run'), 'create') === true,
    toggle: can(jobPath(j.name, 'toggle'), 'create') === true,
    edit: can(jobPath(j.name), 'update') === true,
    clone: canCreate === true,
    delete: can(jobPath(j.name), 'delete') === true,
  };
  const known = can(jobPath(j.name), 'update') !== undefined && canCreate !== undefined;
  const tabs = TABS.filter(([, , sub]) => sub === '' || can(jobPath(j.name, sub), 'list', 'read') === true);
  const shownTab = tabs.some(([key]) => key === tab) ? tab : 'summary';
  const refresh = () => {
    job.reload();
    busy.reload();
    setVersion((v) => v + 1);
  };

  return (
    <>
      <h1>
        {j.displayname || j.name}
        <StatusBadge status={running.length > 0 ? 'running' : j.status} />
        {j.disabled ? <StatusBadge status="disabled" /> : null}
      </h1>
      {Object.values(may).some(Boolean) ? (
        <div className="toolbar" role="toolbar" aria-label="Job actions">
          {may.run ? (
            <button
              type="button"
              className="primary"
              disabled={j.disabled}
              title={j.disabled ? 'A disabled job cannot be run' : undefined}
              onClick={() =>
                void act(`Started ${j.name}`, () => api.runJob(j.name, forbidBusy)).then(refresh)
              }
            >
              {forbidBusy ? 'Run anyway (force)' : 'Run now'}
            </button>
          ) : null}
          {may.toggle ? (
            <button
              type="button"
              onClick={() =>
                void act(j.disabled ? `Enabled ${j.name}` : `Disabled ${j.name}`, () =>
                  api.toggleJob(j.name),
                ).then(refresh)
              }
            >
              {j.disabled ? 'Enable' : 'Disable'}
            </button>
          ) : null}
          {may.edit ? (
            <a className="btn" href={href('jobs', j.name, 'edit')}>
              Edit
            </a>
          ) : null}
          {may.clone ? (
            <a className="btn" href={href('jobs', 'new', { clone: j.name })}>
              Clone
            </a>
          ) : null}
          {may.delete ? (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </button>
          ) : null}
        </div>
      ) : known ? (
        <p className="muted" data-testid="read-only-note">
          This token may read this job but not change, run or delete it.
        </p>
      ) : null}
      <nav className="tabs" aria-label="Job sections">
        {tabs.map(([key, label]) => (
          <a
            key={key}
            href={href('jobs', j.name, { tab: key })}
            aria-current={shownTab === key ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {shownTab === 'summary' ? <Summary job={j} /> : null}
      {shownTab === 'executions' ? <Executions job={j} version={version} onChange={refresh} /> : null}
      {shownTab === 'schedule' ? <NextRuns job={j} /> : null}
      {shownTab === 'slots' ? <Slots job={j} /> : null}
      {shownTab === 'dependencies' ? <Dependencies job={j} /> : null}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${j.name}?`}
        confirm="Delete"
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          void act(`Deleted ${j.name}`, () => api.deleteJob(j.name)).then((ok) => {
            if (ok) navigate('/jobs');
          });
        }}
      >
        <p>
          This deletes the job <strong>{j.name}</strong> and its executions. It cannot be undone.
          {j.dependent_jobs?.length
            ? ` It has dependent jobs (${j.dependent_jobs.join(', ')}): delete them first.`
            : ''}
        </p>
      </ConfirmDialog>
    </>
  );
}

function Json({ value }: { value: unknown }) {
  if (
    value === null ||
    value === undefined ||
    (typeof value === 'object' && Object.keys(value).length === 0)
  ) {
    return <span className="muted">—</span>;
  }
  return <pre className="output">{JSON.stringify(value, null, 2)}</pre>;
}

function Row({ k, children }: { k: string; children: ReactNode }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Summary({ job }: { job: Job }) {
  const words = describeSchedule(job.schedule);
  return (
    <section className="panel" aria-label="Summary">
      <dl className="summary">
        <Row k="Name">{job.name}</Row>
        <Row k="Display name">{job.displayname || '—'}</Row>
        <Row k="Schedule">
          <code>{job.schedule}</code>
          {words ? <span className="muted"> — {words}</span> : null}
        </Row>
        <Row k="Timezone">{job.timezone || 'server default'}</Row>
        <Row k="Next">{isSet(job.next) ? <Time value={job.next} /> : '—'}</Row>
        <Row k="Status">
          <StatusBadge status={job.status} />
        </Row>
        <Row k="Last success">
          <Time value={job.last_success} />
        </Row>
        <Row k="Last error">
          <Time value={job.last_error} />
        </Row>
        <Row k="Successes / errors">
          {job.success_count} / {job.error_count}
        </Row>
        <Row k="Missed slots">{job.missed_count ?? 0}</Row>
        <Row k="Retries">{job.retries}</Row>
        <Row k="Concurrency">{job.concurrency}</Row>
        <Row k="Ephemeral">{job.ephemeral ? 'yes' : 'no'}</Row>
        <Row k="Disabled">{job.disabled ? 'yes' : 'no'}</Row>
        <Row k="Starts at">
          <Time value={job.starts_at} />
        </Row>
        <Row k="Expires at">
          <Time value={job.expires_at} />
        </Row>
        <Row k="Owner">{[job.owner, job.owner_email].filter(Boolean).join(' · ') || '—'}</Row>
        <Row k="Parent job">
          {job.parent_job ? <a href={href('jobs', job.parent_job)}>{job.parent_job}</a> : '—'}
        </Row>
        <Row k="Dependent jobs">
          {job.dependent_jobs?.length ? (
            <span className="row">
              {job.dependent_jobs.map((d) => (
                <a key={d} href={href('jobs', d)}>
                  {d}
                </a>
              ))}
            </span>
          ) : (
            '—'
          )}
        </Row>
        <Row k="Executor">{job.executor}</Row>
        <Row k="Executor config">
          <Json value={job.executor_config} />
        </Row>
        <Row k="Tags">
          <Chips values={job.tags} />
        </Row>
        <Row k="Metadata">
          <Chips values={job.metadata} />
        </Row>
        <Row k="Processors">
          <Json value={job.processors} />
        </Row>
      </dl>
    </section>
  );
}

const PAGE = 25;
const OUTPUT_PREVIEW = 200;

function Executions({ job, version, onChange }: { job: Job; version: number; onChange: () => void }) {
  const [offset, setOffset] = useState(0);
  const [size, setSize] = useState(PAGE);
  const list = useLoad(
    (s) => api.executions(job.name, offset, size, OUTPUT_PREVIEW, s),
    [job.name, offset, size, version],
    3000,
  );
  const now = useNow(1000);
  // Who may run a job may cancel its runs (the server checks /v1/jobs/<job>/run).
  const mayCancel = useCan([jobPath(job.name, 'run')])(jobPath(job.name, 'run'), 'create') === true;
  return (
    <section className="panel" aria-label="Executions">
      <ErrorNotice error={list.error} />
      {!list.data ? <Loading what="executions" /> : null}
      {list.data && list.data.total === 0 ? <p className="muted">No execution yet.</p> : null}
      {list.data && list.data.items.length > 0 ? (
        <ScrollRegion label="Executions table">
          <table aria-label="Executions">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Node</th>
                <th scope="col">Attempt</th>
                <th scope="col" className="hide-sm">
                  Scheduled
                </th>
                <th scope="col">Started</th>
                <th scope="col" className="hide-sm">
                  Lag
                </th>
                <th scope="col">Duration</th>
                <th scope="col">Output</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((e) => (
                <ExecutionRow
                  key={e.id}
                  job={job}
                  execution={e}
                  now={now}
                  mayCancel={mayCancel}
                  onChange={() => {
                    list.reload();
                    onChange();
                  }}
                />
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      {list.data ? (
        <Pager
          start={offset}
          size={size}
          total={list.data.total}
          onChange={(s, z) => {
            setOffset(s);
            setSize(z);
          }}
        />
      ) : null}
    </section>
  );
}

function ExecutionRow({
  job,
  execution: e,
  now,
  mayCancel,
  onChange,
}: {
  job: Job;
  execution: Execution;
  now: number;
  mayCancel: boolean;
  onChange: () => void;
}) {
  const [open, setOpen] = useState(false);
  /** Opened while running: the live view stays, with the whole output, after the run ended. */
  const [live, setLive] = useState(false);
  const [full, setFull] = useState<string>();
  const act = useAction();
  const status = executionStatus(e);
  const lag = e.scheduled_at ? Date.parse(e.started_at) - Date.parse(e.scheduled_at) : undefined;
  return (
    <>
      <tr data-execution={e.id}>
        <td>
          <StatusBadge status={status} />
        </td>
        <td>{e.node_name}</td>
        <td>{e.attempt}</td>
        <td className="hide-sm">
          {e.scheduled_at ? <Time value={e.scheduled_at} /> : <span className="muted">manual</span>}
        </td>
        <td>
          <Time value={e.started_at} />
        </td>
        <td className="hide-sm">{lag === undefined ? '—' : formatDuration(Math.max(lag, 0))}</td>
        <td>{formatDuration(executionDuration(e, now))}</td>
        <td className="row">
          <button
            type="button"
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
              setLive(status === 'running');
            }}
          >
            {open ? 'Hide' : status === 'running' ? 'Live output' : 'Output'}
          </button>
          {status === 'running' && mayCancel ? (
            <button
              type="button"
              className="danger"
              onClick={() =>
                void act(`Cancelled the execution of ${job.name}`, () =>
                  api.cancelExecution(job.name, e.id),
                ).then(onChange)
              }
            >
              Cancel
            </button>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={8}>
            {live ? (
              <LiveOutput job={job.name} id={e.id} onDone={onChange} />
            ) : (
              <>
                {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
                <pre className="output" tabIndex={0} data-testid="execution-output">
                  {full ?? (e.output || '(no output)')}
                </pre>
                {e.output_truncated && full === undefined ? (
                  <button
                    type="button"
                    onClick={() => void api.execution(job.name, e.id).then((x) => setFull(x.output))}
                  >
                    Load full output
                  </button>
                ) : null}
                <p className="muted">
                  Execution {e.id}, finished {formatTime(e.finished_at)}.
                </p>
              </>
            )}
          </td>
        </tr>
      ) : null}
    </>
  );
}

function NextRuns({ job }: { job: Job }) {
  const upcoming = useLoad(
    (s) => api.upcomingOf(job.name, 10, s),
    [job.name, job.schedule, job.timezone, job.next],
  );
  return (
    <section className="panel" aria-label="Next runs">
      <h2>Next 10 fire times in {upcoming.data?.timezone ?? (job.timezone || 'the server zone')}</h2>
      {job.disabled ? <p className="notice">The job is disabled: these are the times it would run.</p> : null}
      <ErrorNotice error={upcoming.error} />
      {upcoming.data ? (
        <FireTimes times={upcoming.data.times} zone={upcoming.data.timezone} />
      ) : (
        <Loading what="fire times" />
      )}
    </section>
  );
}

function Slots({ job }: { job: Job }) {
  const view = useLoad((s) => api.slots(job.name, 24, s), [job.name], 10_000);
  return (
    <section className="panel" aria-label="Slots of the last day">
      <h2>Slots of the last 24 hours</h2>
      <ErrorNotice error={view.error} />
      {view.data ? <SlotView view={view.data} /> : <Loading what="slots" />}
    </section>
  );
}

function Dependencies({ job }: { job: Job }) {
  const graph = useLoad(
    (s) => api.graph(job.name, s),
    [job.name, job.parent_job, (job.dependent_jobs ?? []).join()],
  );
  return (
    <section className="panel" aria-label="Dependencies">
      <ErrorNotice error={graph.error} />
      {graph.data ? <DependencyGraph graph={graph.data} /> : <Loading what="the graph" />}
    </section>
  );
}
