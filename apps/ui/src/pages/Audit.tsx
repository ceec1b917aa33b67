import { Fragment, useEffect, useState } from 'react';
import { ErrorNotice, Loading, Pager, ScrollRegion, Time } from '../components/ui';
import { type AuditQuery, api } from '../lib/api';
import { useDebounced, useLoad } from '../lib/hooks';
import { href, navigate, useRoute, useTitle } from '../lib/router';
import type { AuditEntry } from '../lib/types';

/** The actions the server records (`GET /v1/audit?action=`). */
export const AUDIT_ACTIONS = [
  'job.create',
  'job.update',
  'job.delete',
  'job.toggle',
  'job.run',
  'executions.delete',
  'execution.cancel',
  'restore',
  'pause',
  'unpause',
  'leave',
  'acl.bootstrap',
  'acl.policy.apply',
  'acl.policy.delete',
  'acl.token.create',
  'acl.token.revoke',
] as const;

/** RFC 3339 ↔ the value of a `datetime-local` input (the browser's zone, to the minute). */
export function toLocalMinute(time: string | undefined): string {
  if (!time) return '';
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromLocalMinute(value: string): string | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (value === '') return '""';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The log of state changes made through the API: who did what to which job, and what changed. */
export function Audit() {
  useTitle('Audit log');
  const route = useRoute();
  const q = route.query;
  const get = (k: string) => q.get(k) ?? '';
  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('start' in changes)) next.delete('start');
    navigate(`/audit?${next.toString()}`, true);
  };
  const [job, setJob] = useState(get('job'));
  const [token, setToken] = useState(get('token'));
  const typedJob = useDebounced(job, 300);
  const typedToken = useDebounced(token, 300);
  // biome-ignore lint/correctness/useExhaustiveDependencies: push the typed filters to the URL once settled
  useEffect(() => {
    if (typedJob !== get('job') || typedToken !== get('token')) set({ job: typedJob, token: typedToken });
  }, [typedJob, typedToken]);

  const start = Number(get('start')) || 0;
  const size = Number(get('size')) || 25;
  const order = get('order') === 'ASC' ? 'ASC' : 'DESC';
  const query: AuditQuery = {
    job: get('job'),
    token: get('token'),
    action: get('action'),
    since: get('since'),
    until: get('until'),
    order,
    start,
    end: start + size,
  };
  const entries = useLoad((s) => api.audit(query, s), [JSON.stringify(query)], 10_000);
  const filtered = ['job', 'token', 'action', 'since', 'until'].some((k) => get(k) !== '');

  return (
    <>
      <h1>Audit log</h1>
      <section className="panel" aria-label="Audit filters">
        <div className="toolbar">
          <label className="row">
            Job
            <input aria-label="Job filter" value={job} onChange={(e) => setJob(e.target.value)} />
          </label>
          <label className="row">
            Token
            <input
              aria-label="Token filter"
              placeholder="name, or anonymous"
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          </label>
          <label className="row">
            Action
            <select value={get('action')} onChange={(e) => set({ action: e.target.value })}>
              <option value="">any</option>
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            From
            <input
              type="datetime-local"
              aria-label="From (your local time)"
              value={toLocalMinute(get('since'))}
              onChange={(e) => set({ since: fromLocalMinute(e.target.value) })}
            />
          </label>
          <label className="row">
            To
            <input
              type="datetime-local"
              aria-label="To (your local time)"
              value={toLocalMinute(get('until'))}
              onChange={(e) => set({ until: fromLocalMinute(e.target.value) })}
            />
          </label>
          <label className="row">
            Order
            <select
              value={order}
              onChange={(e) => set({ order: e.target.value === 'ASC' ? 'ASC' : undefined })}
            >
              <option value="DESC">newest first</option>
              <option value="ASC">oldest first</option>
            </select>
          </label>
          {filtered ? (
            <button
              type="button"
              className="link"
              onClick={() => {
                setJob('');
                setToken('');
                navigate(`/audit${get('size') ? `?size=${get('size')}` : ''}`, true);
              }}
            >
              Clear filters
            </button>
          ) : null}
        </div>
        <ErrorNotice error={entries.error} />
        {!entries.data && !entries.error ? <Loading what="the audit log" /> : null}
        {entries.data ? <AuditTable entries={entries.data.items} /> : null}
        {entries.data ? (
          <Pager
            start={start}
            size={size}
            total={entries.data.total}
            sizes={[5, 10, 25, 50, 100]}
            onChange={(s, z) => set({ start: s === 0 ? undefined : String(s), size: String(z) })}
          />
        ) : null}
      </section>
    </>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const [open, setOpen] = useState<string>();
  if (entries.length === 0) return <p className="muted">No entry matches.</p>;
  return (
    <ScrollRegion label="Audit entries table">
      <table aria-label="Audit entries">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Token</th>
            <th scope="col">Action</th>
            <th scope="col">Job</th>
            <th scope="col" className="hide-sm">
              Source
            </th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const changes = Object.keys(e.diff ?? {}).length;
            const hasMore = changes > 0 || (e.details && Object.keys(e.details).length > 0);
            return (
              <Fragment key={e.id}>
                <tr data-audit={e.action}>
                  <td>
                    <Time value={e.time} />
                  </td>
                  <td>{e.token}</td>
                  <td className="mono">{e.action}</td>
                  <td>
                    {e.job ? <a href={href('jobs', e.job)}>{e.job}</a> : <span className="muted">—</span>}
                  </td>
                  <td className="hide-sm mono">{e.source}</td>
                  <td>
                    {hasMore ? (
                      <button
                        type="button"
                        aria-expanded={open === e.id}
                        onClick={() => setOpen(open === e.id ? undefined : e.id)}
                      >
                        {changes > 0 ? `${changes} field${changes === 1 ? '' : 's'}` : 'Details'}
                      </button>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
                {open === e.id ? (
                  <tr>
                    <td colSpan={6}>
                      <EntryDetails entry={e} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function EntryDetails({ entry }: { entry: AuditEntry }) {
  const diff = Object.entries(entry.diff ?? {});
  return (
    <div>
      {diff.length > 0 ? (
        <table aria-label={`Changes of ${entry.action} ${entry.job}`}>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {diff.map(([field, change]) => (
              <tr key={field}>
                <td className="mono">{field}</td>
                <td className="mono">{show(change.old)}</td>
                <td className="mono">{show(change.new)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {entry.details ? <pre className="output">{JSON.stringify(entry.details, null, 2)}</pre> : null}
      <p className="muted">
        Entry {entry.id}
        {entry.token_accessor ? `, token accessor ${entry.token_accessor}` : ''}, from{' '}
        {entry.source || 'unknown'}.
      </p>
    </div>
  );
}
