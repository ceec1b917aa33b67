import { useEffect, useState } from 'react';
import {
  ConfirmDialog,
  ErrorNotice,
  Loading,
  Pager,
  ScrollRegion,
  SortHeader,
  StatusBadge,
  Time,
  useToast,
} from '../components/ui';
import { api, errorText, type JobListQuery } from '../lib/api';
import { formatTime } from '../lib/format';
import { useDebounced, useLoad } from '../lib/hooks';
import { href, navigate, useRoute, useTitle } from '../lib/router';
import { type Can, jobPath, useCan, useCanCreateJobs } from '../lib/session';
import type { Job } from '../lib/types';

/** `team=a, env=prod` → `{team: 'a', env: 'prod'}`. */
export function parseMetadataFilter(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [key, ...rest] = part.split('=');
    if (key?.trim() && rest.length > 0) out[key.trim()] = rest.join('=').trim();
  }
  return out;
}

export function JobList() {
  useTitle('Jobs');
  const route = useRoute();
  const q = route.query;
  const get = (k: string, d = '') => q.get(k) ?? d;
  const set = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('start' in changes)) next.delete('start');
    navigate(`/jobs?${next.toString()}`, true);
  };
  const [search, setSearch] = useState(get('q'));
  const [meta, setMeta] = useState(get('meta'));
  const debouncedSearch = useDebounced(search, 300);
  const debouncedMeta = useDebounced(meta, 400);
  // biome-ignore lint/correctness/useExhaustiveDependencies: push the typed filter to the URL once settled
  useEffect(() => {
    if (debouncedSearch !== get('q') || debouncedMeta !== get('meta'))
      set({ q: debouncedSearch, meta: debouncedMeta });
  }, [debouncedSearch, debouncedMeta]);

  const sort = get('sort', 'name');
  const order = get('order', 'ASC') === 'DESC' ? 'DESC' : 'ASC';
  const start = Number(get('start', '0')) || 0;
  const size = Number(get('size', '25')) || 25;
  const query: JobListQuery = {
    q: get('q'),
    status: get('status'),
    disabled: get('disabled'),
    executor: get('executor'),
    metadata: parseMetadataFilter(get('meta')),
    sort,
    order,
    start,
    end: start + size,
  };
  const executor = get('executor');
  const jobs = useLoad((s) => api.jobs(query, s), [JSON.stringify(query)], 5000);
  const readsPlugins = useCan(['/v1/plugins'])('/v1/plugins', 'read');
  const plugins = useLoad(
    (s) => (readsPlugins ? api.plugins(s) : Promise.resolve(undefined)),
    [readsPlugins],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmDelete, setConfirmDelete] = useState(false);
  const toast = useToast();

  const items = jobs.data?.items ?? [];
  const canCreate = useCanCreateJobs();
  const can = useCan(
    items.flatMap((j) => [jobPath(j.name), jobPath(j.name, 'run'), jobPath(j.name, 'toggle')]),
  );
  const may = (verb: Verb, name: string) => mayOn(can, verb, name);
  /** Rows the token may act on: only those get a checkbox. */
  const selectable = items.filter((j) => VERBS.some((v) => may(v, j.name)));
  const allSelected = selectable.length > 0 && selectable.every((j) => selected.has(j.name));
  const toggleOne = (name: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(name)) n.delete(name);
      else n.add(name);
      return n;
    });

  /**
   * Runs `action` on every selected job the token may act on, reports successes, failures and the
   * jobs left out, and clears the selection.
   */
  const bulk = async (label: string, verb: Verb, action: (name: string) => Promise<unknown>) => {
    const names = [...selected].filter((n) => may(verb, n));
    const skipped = selected.size - names.length;
    const results = await Promise.allSettled(names.map(action));
    const failed = results
      .map((r, i) => (r.status === 'rejected' ? `${names[i]}: ${errorText(r.reason)}` : undefined))
      .filter((x): x is string => !!x);
    const ok = names.length - failed.length;
    toast(
      `${label}: ${ok} of ${names.length} job${names.length === 1 ? '' : 's'}` +
        (skipped > 0 ? ` (${skipped} left out: this token may not)` : ''),
      false,
    );
    if (failed.length > 0) toast(`${label} failed for ${failed.join('; ')}`, true);
    setSelected(new Set());
    jobs.reload();
  };
  const some = (verb: Verb) => [...selected].some((n) => may(verb, n));

  return (
    <>
      <h1>
        Jobs
        {canCreate ? (
          <a className="btn primary" href={href('jobs', 'new')}>
            New job
          </a>
        ) : null}
      </h1>
      <section className="panel" aria-label="Filters">
        <div className="toolbar">
          <label className="grow">
            <span className="sr-only">Search</span>
            <input
              type="search"
              placeholder="Search name or display name"
              aria-label="Search jobs"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              style={{ width: '100%' }}
            />
          </label>
          <label className="row">
            Status
            <select value={get('status')} onChange={(e) => set({ status: e.target.value })}>
              <option value="">any</option>
              <option value="success">success</option>
              <option value="failed">failed</option>
              <option value="partially_failed">partially failed</option>
              <option value="running">running</option>
              <option value="untriggered">never ran</option>
            </select>
          </label>
          <label className="row">
            Enabled
            <select value={get('disabled')} onChange={(e) => set({ disabled: e.target.value })}>
              <option value="">any</option>
              <option value="false">enabled</option>
              <option value="true">disabled</option>
            </select>
          </label>
          <label className="row">
            Executor
            <select value={executor} onChange={(e) => set({ executor: e.target.value })}>
              <option value="">any</option>
              {(plugins.data?.executors ?? []).map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </select>
          </label>
          <label className="row">
            Metadata
            <input
              placeholder="key=value, …"
              aria-label="Metadata filter"
              value={meta}
              onChange={(e) => setMeta(e.target.value)}
            />
          </label>
        </div>
        {selected.size > 0 ? (
          <fieldset className="toolbar" style={{ border: 'none', padding: 0 }}>
            <legend className="sr-only">Bulk actions</legend>
            <strong>{selected.size} selected</strong>
            {some('run') ? (
              <button type="button" onClick={() => void bulk('Run', 'run', (n) => api.runJob(n))}>
                Run
              </button>
            ) : null}
            {some('toggle') ? (
              <button type="button" onClick={() => void bulk('Toggle', 'toggle', (n) => api.toggleJob(n))}>
                Toggle
              </button>
            ) : null}
            {some('delete') ? (
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                Delete
              </button>
            ) : null}
            <button type="button" className="link" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          </fieldset>
        ) : null}
        <ErrorNotice error={jobs.error} />
        {!jobs.data && !jobs.error ? <Loading what="jobs" /> : null}
        {jobs.data ? (
          <ScrollRegion label="Job table">
            <table aria-label="Jobs">
              <thead>
                <tr>
                  <th scope="col">
                    {selectable.length > 0 ? (
                      <input
                        type="checkbox"
                        aria-label="Select all jobs on this page"
                        checked={allSelected}
                        onChange={() =>
                          setSelected(allSelected ? new Set() : new Set(selectable.map((j) => j.name)))
                        }
                      />
                    ) : (
                      <span className="sr-only">Selection</span>
                    )}
                  </th>
                  <SortHeader
                    field="name"
                    label="Name"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                  />
                  <SortHeader
                    field="displayname"
                    label="Display name"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-md"
                  />
                  <th scope="col" className="hide-md">
                    Timezone
                  </th>
                  <SortHeader
                    field="schedule"
                    label="Schedule"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                  />
                  <SortHeader
                    field="success_count"
                    label="Success"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-sm"
                  />
                  <SortHeader
                    field="error_count"
                    label="Errors"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-sm"
                  />
                  <SortHeader
                    field="last_success"
                    label="Last success"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-sm"
                  />
                  <SortHeader
                    field="last_error"
                    label="Last error"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-md"
                  />
                  <th scope="col">Enabled</th>
                  <th scope="col" className="hide-md">
                    Retries
                  </th>
                  <th scope="col">Status</th>
                  <SortHeader
                    field="next"
                    label="Next"
                    sort={sort}
                    order={order}
                    onSort={(s, o) => set({ sort: s, order: o })}
                    className="hide-sm"
                  />
                  <th scope="col">
                    <span className="sr-only">Edit</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.length === 0 ? (
                  <tr>
                    <td colSpan={14} className="muted">
                      No job matches.
                    </td>
                  </tr>
                ) : null}
                {items.map((job) => (
                  <JobRow
                    key={job.name}
                    job={job}
                    selectable={VERBS.some((v) => may(v, job.name))}
                    editable={may('edit', job.name)}
                    selected={selected.has(job.name)}
                    onSelect={() => toggleOne(job.name)}
                  />
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        ) : null}
        {jobs.data ? (
          <Pager
            start={start}
            size={size}
            total={jobs.data.total}
            sizes={[5, 10, 25, 50, 100]}
            onChange={(s, z) => set({ start: s === 0 ? undefined : String(s), size: String(z) })}
          />
        ) : null}
      </section>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${selected.size} job${selected.size === 1 ? '' : 's'}?`}
        confirm="Delete"
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          void bulk('Delete', 'delete', (n) => api.deleteJob(n));
        }}
      >
        <p>
          This deletes {[...selected].filter((n) => may('delete', n)).join(', ')} and their executions. It
          cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

type Verb = 'run' | 'toggle' | 'delete' | 'edit';
const VERBS: readonly Verb[] = ['run', 'toggle', 'delete'];

/** Whether the token may `verb` the job `name` (the policy path and capability of each action). */
function mayOn(can: Can, verb: Verb, name: string): boolean {
  if (verb === 'run') return can(jobPath(name, 'run'), 'create') === true;
  if (verb === 'toggle') return can(jobPath(name, 'toggle'), 'create') === true;
  if (verb === 'delete') return can(jobPath(name), 'delete') === true;
  return can(jobPath(name), 'update') === true;
}

function JobRow(props: {
  job: Job;
  selectable: boolean;
  editable: boolean;
  selected: boolean;
  onSelect: () => void;
}) {
  const { job, selected, onSelect } = props;
  return (
    <tr>
      <td>
        {props.selectable ? (
          <input type="checkbox" aria-label={`Select ${job.name}`} checked={selected} onChange={onSelect} />
        ) : null}
      </td>
      <td>
        <a href={href('jobs', job.name)}>{job.name}</a>
      </td>
      <td className="hide-md">{job.displayname}</td>
      <td className="hide-md">{job.timezone || <span className="muted">default</span>}</td>
      <td className="mono">{job.schedule}</td>
      <td className="hide-sm">{job.success_count}</td>
      <td className="hide-sm">{job.error_count}</td>
      <td className="hide-sm">
        <Time value={job.last_success} />
      </td>
      <td className="hide-md">
        <Time value={job.last_error} />
      </td>
      <td>{job.disabled ? <StatusBadge status="disabled" /> : <span>yes</span>}</td>
      <td className="hide-md">{job.retries}</td>
      <td>
        <StatusBadge status={job.status} />
      </td>
      <td className="hide-sm" title={job.next}>
        {formatTime(job.next)}
      </td>
      <td>
        {props.editable ? (
          <a href={href('jobs', job.name, 'edit')} aria-label={`Edit ${job.name}`}>
            Edit
          </a>
        ) : null}
      </td>
    </tr>
  );
}
