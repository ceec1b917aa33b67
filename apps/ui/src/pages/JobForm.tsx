import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { FireTimes } from '../components/FireTimes';
import { KeyValues } from '../components/KeyValues';
import { SchemaFields } from '../components/SchemaFields';
import { ErrorNotice, Loading, useToast } from '../components/ui';
import { ApiError, api } from '../lib/api';
import { isSet } from '../lib/format';
import { useDebounced, useLoad } from '../lib/hooks';
import { href, navigate, useTitle } from '../lib/router';
import { describeSchedule } from '../lib/schedule-words';
import { jobPath, useCan } from '../lib/session';
import type { Job, SchedulePreview } from '../lib/types';

type NotifyOn = 'failure' | 'success' | 'always';
interface JobNotify {
  on?: NotifyOn;
  webhook?: string;
  email?: string | string[];
}

/** What the form edits: Dkron's job fields (server-maintained ones are kept as loaded). */
type Draft = Partial<Job> & { name: string };

const NEW_JOB: Draft = {
  name: '',
  displayname: '',
  schedule: '@every 1m',
  timezone: '',
  owner: '',
  owner_email: '',
  disabled: false,
  tags: null,
  metadata: null,
  retries: 0,
  parent_job: '',
  processors: {},
  concurrency: 'allow',
  executor: 'shell',
  executor_config: {},
  ephemeral: false,
  starts_at: null,
  expires_at: null,
  catchup_window: '',
  retry_backoff: '',
  retry_backoff_max: '',
};

/** Fields the server computes; a clone starts without them. */
const SERVER_FIELDS = [
  'id',
  'success_count',
  'error_count',
  'last_success',
  'last_error',
  'status',
  'next',
  'dependent_jobs',
  'missed_count',
] as const;

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

/** RFC 3339 ↔ the value of a `datetime-local` input (the browser's zone). */
function toLocalInput(time: string | null | undefined): string {
  if (!isSet(time)) return '';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 19);
}

function fromLocalInput(value: string): string | null {
  if (value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace('.000Z', 'Z');
}

function Field(props: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
  required?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.children}
      {props.hint ? (
        <div className="hint" id={`${props.id}-hint`}>
          {props.hint}
        </div>
      ) : null}
      {props.error ? (
        <div className="error" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

function a11y(id: string, error: string | undefined, hint = false) {
  const by = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': by || undefined } as const;
}

export function JobForm({ edit, clone }: { edit?: string; clone?: string }) {
  useTitle(edit ? `Edit ${edit}` : 'New job');
  const source = edit ?? clone;
  const loaded = useLoad((s) => (source ? api.job(source, s) : Promise.resolve(undefined)), [source]);
  // What the form reads besides the job: without them it still works, with less help.
  // (The schedule preview reads no job: any token may ask.)
  const reads = useCan(['/v1/plugins', '/v1/jobs']);
  const readsPlugins = reads('/v1/plugins', 'read');
  const readsJobs = reads('/v1/jobs', 'list', 'read');
  const plugins = useLoad(
    (s) => (readsPlugins ? api.plugins(s) : Promise.resolve(undefined)),
    [readsPlugins],
  );
  const parents = useLoad(
    (s) => (readsJobs ? api.jobs({ sort: 'name', end: 1000 }, s) : Promise.resolve(undefined)),
    [readsJobs],
  );
  const [draft, setDraft] = useState<Draft>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string>();
  const toast = useToast();

  useEffect(() => {
    if (draft) return;
    if (!source) {
      setDraft({ ...NEW_JOB });
      return;
    }
    if (!loaded.data) return;
    const copy: Draft = { ...loaded.data };
    if (clone) {
      for (const f of SERVER_FIELDS) delete copy[f];
      copy.name = `${loaded.data.name}-copy`;
    }
    setDraft(copy);
  }, [source, loaded.data, clone, draft]);

  const zones = useMemo(timeZones, []);
  const schedule = useDebounced(draft?.schedule ?? '', 250);
  const timezone = useDebounced(draft?.timezone ?? '', 250);
  const preview = useLoad<SchedulePreview | undefined>(
    (s) =>
      schedule.trim() === ''
        ? Promise.resolve(undefined)
        : api.preview(schedule, timezone, draft?.name ?? '', s),
    [schedule, timezone],
  );

  // Saving is checked on /v1/jobs/<name>: update for an edit, create for a new job (as typed).
  const typedName = useDebounced(draft?.name ?? '', 300).trim();
  const target = edit ?? typedName;
  const can = useCan(target ? [jobPath(target)] : []);
  const capability = edit ? 'update' : 'create';
  const refused = target !== '' && can(jobPath(target), capability) === false;

  if (source && loaded.error) return <ErrorNotice error={loaded.error} />;
  if (!draft) return <Loading what="the job" />;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    // Functional updates: two events before a render must not overwrite each other.
    setDraft((d) => (d ? { ...d, [key]: value } : d));
    if (errors[key as string]) setErrors((e) => ({ ...e, [key as string]: '' }));
  };
  const executors = plugins.data?.executors ?? [];
  const processorsCatalog = plugins.data?.processors ?? [];
  const executor = executors.find((x) => x.name === draft.executor);
  const processors = draft.processors ?? {};
  const scheduleError =
    errors.schedule ||
    (preview.error instanceof ApiError && preview.error.field === 'schedule'
      ? preview.error.message
      : undefined);
  const timezoneError =
    errors.timezone ||
    (preview.error instanceof ApiError && preview.error.field === 'timezone'
      ? preview.error.message
      : undefined);
  const words = describeSchedule(draft.schedule ?? '');
  const notify = (draft.notify ?? null) as JobNotify | null;
  /** Merges a change into the per-job rule; choosing "never" removes it. */
  const setNotify = (change: Partial<JobNotify>) => {
    if ('on' in change && change.on === undefined) {
      set('notify', null);
      return;
    }
    const next: Record<string, unknown> = { ...(notify ?? { on: 'failure' }), ...change };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    set('notify', next);
  };

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setSaving(true);
    setFormError(undefined);
    try {
      const saved = await api.saveJob(draft);
      toast(`Saved ${saved.name}`);
      navigate(`/jobs/${encodeURIComponent(saved.name)}`);
    } catch (err) {
      if (err instanceof ApiError && err.field) {
        setErrors({ [err.field]: err.message });
        const target = document.getElementById(err.field.replaceAll(/[^A-Za-z0-9_.-]/g, '_'));
        target?.focus();
      } else {
        setFormError(err instanceof Error ? err : new Error(String(err)));
        // The notice is at the top of the form; the button that was pressed is at its bottom.
        window.scrollTo({ top: 0 });
      }
    } finally {
      setSaving(false);
    }
  }

  const otherErrors = Object.entries(errors).filter(
    ([field, message]) => message && !document.getElementById(field.replaceAll(/[^A-Za-z0-9_.-]/g, '_')),
  );

  return (
    <>
      <h1>{edit ? `Edit ${edit}` : clone ? `Clone ${clone}` : 'New job'}</h1>
      <form onSubmit={submit} noValidate aria-label="Job">
        {refused ? (
          <p className="notice warn" role="status" data-testid="form-not-allowed">
            This token may not {capability} the job <strong>{target}</strong>: the server will refuse to save
            it.
          </p>
        ) : null}
        <ErrorNotice error={formError} />
        {otherErrors.map(([field, message]) => (
          <div className="notice error" role="alert" key={field}>
            {message}
          </div>
        ))}
        <section className="panel" aria-labelledby="general-h">
          <h2 id="general-h">General</h2>
          <div className="form-grid">
            <Field
              id="name"
              label="Name"
              required
              error={errors.name}
              hint="Lowercase letters, digits, - and _."
            >
              <input
                {...a11y('name', errors.name, true)}
                value={draft.name}
                required
                disabled={!!edit}
                onChange={(e) => set('name', e.target.value)}
              />
            </Field>
            <Field id="displayname" label="Display name" error={errors.displayname}>
              <input
                {...a11y('displayname', errors.displayname)}
                value={draft.displayname ?? ''}
                onChange={(e) => set('displayname', e.target.value)}
              />
            </Field>
            <Field id="owner" label="Owner" error={errors.owner}>
              <input
                {...a11y('owner', errors.owner)}
                value={draft.owner ?? ''}
                onChange={(e) => set('owner', e.target.value)}
              />
            </Field>
            <Field id="owner_email" label="Owner email" error={errors.owner_email}>
              <input
                {...a11y('owner_email', errors.owner_email)}
                type="email"
                value={draft.owner_email ?? ''}
                onChange={(e) => set('owner_email', e.target.value)}
              />
            </Field>
          </div>
        </section>

        <section className="panel" aria-labelledby="schedule-h">
          <h2 id="schedule-h">Schedule</h2>
          <div className="form-grid">
            <Field
              id="schedule"
              label="Schedule"
              required
              error={scheduleError}
              hint="Cron with seconds (0 30 2 * * *), 5-field cron, @daily, @every 10s, @at <time>, @manually."
            >
              <input
                {...a11y('schedule', scheduleError, true)}
                className="mono"
                value={draft.schedule ?? ''}
                required
                onChange={(e) => set('schedule', e.target.value)}
              />
            </Field>
            <Field
              id="timezone"
              label="Timezone"
              error={timezoneError}
              hint="Empty: the server's default zone."
            >
              <input
                {...a11y('timezone', timezoneError, true)}
                list="zones"
                value={draft.timezone ?? ''}
                onChange={(e) => set('timezone', e.target.value)}
              />
              <datalist id="zones">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </Field>
          </div>
          <div aria-live="polite" data-testid="schedule-reading">
            {words && !scheduleError ? (
              <p>
                Runs <strong>{words}</strong>
                {preview.data ? ` (${preview.data.timezone})` : ''}.
              </p>
            ) : null}
            {preview.data && !scheduleError ? (
              <>
                <p className="muted">Next fire times:</p>
                <FireTimes times={preview.data.times} zone={preview.data.timezone} />
              </>
            ) : null}
          </div>
          <div className="form-grid">
            <Field
              id="starts_at"
              label="Starts at"
              error={errors.starts_at}
              hint="Your browser's local time."
            >
              <input
                {...a11y('starts_at', errors.starts_at, true)}
                type="datetime-local"
                step="1"
                value={toLocalInput(draft.starts_at)}
                onChange={(e) => set('starts_at', fromLocalInput(e.target.value))}
              />
            </Field>
            <Field id="expires_at" label="Expires at" error={errors.expires_at}>
              <input
                {...a11y('expires_at', errors.expires_at)}
                type="datetime-local"
                step="1"
                value={toLocalInput(draft.expires_at)}
                onChange={(e) => set('expires_at', fromLocalInput(e.target.value))}
              />
            </Field>
            <Field
              id="parent_job"
              label="Parent job"
              error={errors.parent_job}
              hint="A child runs after its parent succeeded, instead of on its schedule."
            >
              <select
                {...a11y('parent_job', errors.parent_job, true)}
                value={draft.parent_job ?? ''}
                onChange={(e) => set('parent_job', e.target.value)}
              >
                <option value="">none</option>
                {(parents.data?.items ?? [])
                  .filter((p) => p.name !== draft.name)
                  .map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.displayname ? `${p.name} (${p.displayname})` : p.name}
                    </option>
                  ))}
              </select>
            </Field>
            <Field
              id="catchup_window"
              label="Catch-up window"
              error={errors.catchup_window}
              hint="How late a missed slot may still run once, e.g. 60s; 0 turns it off."
            >
              <input
                {...a11y('catchup_window', errors.catchup_window, true)}
                placeholder="60s"
                value={draft.catchup_window ?? ''}
                onChange={(e) => set('catchup_window', e.target.value)}
              />
            </Field>
          </div>
        </section>

        <section className="panel" aria-labelledby="exec-h">
          <h2 id="exec-h">Executor</h2>
          <Field id="executor" label="Executor" required error={errors.executor} hint={executor?.description}>
            <select
              {...a11y('executor', errors.executor, !!executor?.description)}
              value={draft.executor ?? ''}
              onChange={(e) => {
                const executor = e.target.value;
                setDraft((d) => (d ? { ...d, executor, executor_config: {} } : d));
              }}
            >
              {executors.some((x) => x.name === draft.executor) ? null : (
                <option value={draft.executor}>{draft.executor || '—'}</option>
              )}
              {executors.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name} ({x.plugin})
                </option>
              ))}
            </select>
          </Field>
          {executor ? (
            <SchemaFields
              schema={executor.config}
              value={draft.executor_config ?? {}}
              onChange={(update) =>
                setDraft((d) => (d ? { ...d, executor_config: update(d.executor_config ?? {}) } : d))
              }
              path="executor_config"
              errors={errors}
            />
          ) : readsPlugins === false ? (
            <p className="notice warn">
              This token may not read the plugins (<code>/v1/plugins</code>), so the settings of{' '}
              {draft.executor} cannot be shown as fields: edit <code>executor_config</code> in the JSON view.
            </p>
          ) : plugins.loading || readsPlugins === undefined ? (
            <Loading what="plugins" />
          ) : plugins.error ? (
            <ErrorNotice error={plugins.error} />
          ) : (
            <p className="notice error">No executor named {draft.executor} is loaded on this server.</p>
          )}
        </section>

        <section className="panel" aria-labelledby="run-h">
          <h2 id="run-h">Running</h2>
          <div className="form-grid">
            <Field
              id="concurrency"
              label="Concurrency"
              error={errors.concurrency}
              hint="forbid skips a slot while a run is going; replace cancels it."
            >
              <select
                {...a11y('concurrency', errors.concurrency, true)}
                value={draft.concurrency ?? 'allow'}
                onChange={(e) => set('concurrency', e.target.value as Job['concurrency'])}
              >
                <option value="allow">allow</option>
                <option value="forbid">forbid</option>
                <option value="replace">replace</option>
              </select>
            </Field>
            <Field id="retries" label="Retries" error={errors.retries}>
              <input
                {...a11y('retries', errors.retries)}
                type="number"
                min={0}
                value={draft.retries ?? 0}
                onChange={(e) => set('retries', Number(e.target.value))}
              />
            </Field>
            <Field
              id="retry_backoff"
              label="Retry backoff"
              error={errors.retry_backoff}
              hint="First delay, doubled per attempt (e.g. 5s); empty: Dkron's formula."
            >
              <input
                {...a11y('retry_backoff', errors.retry_backoff, true)}
                value={draft.retry_backoff ?? ''}
                onChange={(e) => set('retry_backoff', e.target.value)}
              />
            </Field>
            <Field id="retry_backoff_max" label="Retry backoff max" error={errors.retry_backoff_max}>
              <input
                {...a11y('retry_backoff_max', errors.retry_backoff_max)}
                value={draft.retry_backoff_max ?? ''}
                onChange={(e) => set('retry_backoff_max', e.target.value)}
              />
            </Field>
          </div>
          <div className="row">
            <label className="check">
              <input
                type="checkbox"
                checked={!!draft.disabled}
                onChange={(e) => set('disabled', e.target.checked)}
              />{' '}
              Disabled
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={!!draft.ephemeral}
                onChange={(e) => set('ephemeral', e.target.checked)}
              />{' '}
              Ephemeral (delete after a successful run)
            </label>
          </div>
          <div className="form-grid" style={{ marginTop: 12 }}>
            <KeyValues
              id="tags"
              label="Tags"
              hint="Target nodes: role: web, or role: web:2 for two of them."
              value={draft.tags ?? null}
              onChange={(v) => set('tags', v)}
              error={errors.tags}
            />
            <KeyValues
              id="metadata"
              label="Metadata"
              hint="Free labels, filterable in the job list."
              value={draft.metadata ?? null}
              onChange={(v) => set('metadata', v)}
              error={errors.metadata}
            />
          </div>
        </section>

        <section className="panel" aria-labelledby="notify-h">
          <h2 id="notify-h">Notifications</h2>
          <div className="form-grid">
            <Field id="notify.on" label="Notify on" error={errors['notify.on']}>
              <select
                {...a11y('notify.on', errors['notify.on'])}
                value={notify?.on ?? (notify ? 'failure' : '')}
                onChange={(e) =>
                  setNotify({ on: e.target.value === '' ? undefined : (e.target.value as NotifyOn) })
                }
              >
                <option value="">never (no per-job rule)</option>
                <option value="failure">failure</option>
                <option value="success">success</option>
                <option value="always">always</option>
              </select>
            </Field>
            <Field
              id="notify.webhook"
              label="Webhook URL"
              error={errors['notify.webhook']}
              hint="Receives a JSON POST with the execution."
            >
              <input
                {...a11y('notify.webhook', errors['notify.webhook'], true)}
                type="url"
                disabled={!notify}
                value={notify?.webhook ?? ''}
                onChange={(e) => setNotify({ webhook: e.target.value || undefined })}
              />
            </Field>
            <Field
              id="notify.email"
              label="Email"
              error={errors['notify.email']}
              hint="One address, or several separated by commas."
            >
              <input
                {...a11y('notify.email', errors['notify.email'], true)}
                disabled={!notify}
                value={Array.isArray(notify?.email) ? notify.email.join(', ') : (notify?.email ?? '')}
                onChange={(e) => {
                  const list = e.target.value
                    .split(',')
                    .map((x) => x.trim())
                    .filter(Boolean);
                  setNotify({ email: list.length === 0 ? undefined : list.length === 1 ? list[0] : list });
                }}
              />
            </Field>
          </div>
        </section>

        <section className="panel" aria-labelledby="proc-h">
          <h2 id="proc-h">Processors</h2>
          {Object.keys(processors).length === 0 ? (
            <p className="muted">No processor: the output is stored as is.</p>
          ) : null}
          {Object.entries(processors).map(([name, config]) => {
            const entry = processorsCatalog.find((p) => p.name === name);
            return (
              <fieldset key={name} className="field">
                <legend>
                  {name}{' '}
                  {entry ? (
                    <span className="muted">({entry.plugin})</span>
                  ) : (
                    <span className="badge error">not loaded</span>
                  )}
                </legend>
                {entry ? (
                  <SchemaFields
                    schema={entry.config}
                    value={config ?? {}}
                    onChange={(update) =>
                      setDraft((d) =>
                        d
                          ? {
                              ...d,
                              processors: { ...d.processors, [name]: update(d.processors?.[name] ?? {}) },
                            }
                          : d,
                      )
                    }
                    path={`processors.${name}`}
                    errors={errors}
                  />
                ) : null}
                <button
                  type="button"
                  onClick={() => {
                    const { [name]: _, ...rest } = processors;
                    set('processors', rest);
                  }}
                >
                  Remove {name}
                </button>
              </fieldset>
            );
          })}
          <label className="row">
            Add processor
            <select
              value=""
              onChange={(e) => {
                if (e.target.value) set('processors', { ...processors, [e.target.value]: {} });
              }}
            >
              <option value="">choose…</option>
              {processorsCatalog
                .filter((p) => !(p.name in processors))
                .map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
            </select>
          </label>
          {errors.processors ? (
            <div className="error" role="alert">
              {errors.processors}
            </div>
          ) : null}
        </section>

        <details
          className="panel"
          onToggle={(e) => (e.currentTarget.open ? setJson(JSON.stringify(draft, null, 2)) : undefined)}
        >
          <summary>JSON (advanced)</summary>
          <p className="muted">The job as it will be posted. Edit it and apply to update the form.</p>
          <textarea aria-label="Job JSON" rows={16} value={json} onChange={(e) => setJson(e.target.value)} />
          {jsonError ? (
            <div className="error" role="alert">
              {jsonError}
            </div>
          ) : null}
          <button
            type="button"
            onClick={() => {
              try {
                const parsed = JSON.parse(json) as Draft;
                if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
                  throw new Error('expected a JSON object');
                setDraft({ ...parsed, name: edit ?? String(parsed.name ?? '') });
                setJsonError(undefined);
              } catch (err) {
                setJsonError(`Not applied: ${(err as Error).message}`);
              }
            }}
          >
            Apply JSON
          </button>
        </details>

        <div className="toolbar">
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : edit ? 'Save' : 'Create job'}
          </button>
          <a className="btn" href={edit ? href('jobs', edit) : href('jobs')}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}
