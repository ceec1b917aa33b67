import { Fragment, useRef, useState } from 'react';
import {
  ConfirmDialog,
  ErrorNotice,
  Loading,
  ScrollRegion,
  Time,
  useAction,
  useToast,
} from '../components/ui';
import { ApiError, api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { useTitle } from '../lib/router';
import type { AclPolicy, AclRules } from '../lib/types';

/**
 * What a new policy starts from: Dkron Pro's shape, a team scoped to its jobs (plus what the UI's job
 * form reads: the plugins' settings).
 */
const TEMPLATE: AclRules = {
  path: {
    '/v1/jobs': { capabilities: ['list'] },
    '/v1/plugins': { capabilities: ['read'] },
    '/v1/jobs/team-a-*': { capabilities: ['create', 'read', 'update', 'delete'] },
    '/v1/jobs/team-a-*/run': { capabilities: ['create'] },
    '/v1/jobs/team-a-*/executions*': { capabilities: ['read'] },
    '/v1/jobs/team-a-*/executions/*': { capabilities: ['read'] },
  },
};

interface Draft {
  name: string;
  description: string;
  rules: string;
}

const EMPTY: Draft = { name: '', description: '', rules: JSON.stringify(TEMPLATE, null, 2) };

/** ACL policies (management tokens only): list, show, apply (create or replace), delete. */
export function AclPolicies() {
  useTitle('Policies');
  const policies = useLoad((s) => api.policies(s), []);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [open, setOpen] = useState<string>();
  const [remove, setRemove] = useState<AclPolicy>();
  const act = useAction();
  const form = useRef<HTMLElement>(null);

  const load = (p: AclPolicy, copy: boolean) => {
    setDraft({
      name: copy ? `${p.name}-copy` : p.name,
      description: p.description,
      rules: JSON.stringify(p.rules, null, 2),
    });
    form.current?.scrollIntoView();
    document.getElementById('policy-name')?.focus();
  };

  return (
    <>
      <h1>Policies</h1>
      <section className="panel" aria-labelledby="policies-h">
        <h2 id="policies-h">Policies</h2>
        <ErrorNotice error={policies.error} />
        {!policies.data && !policies.error ? <Loading what="policies" /> : null}
        {policies.data ? (
          <ScrollRegion label="Policies table">
            <table aria-label="Policies">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="hide-sm">
                    Paths
                  </th>
                  <th scope="col" className="hide-sm">
                    Changed
                  </th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {policies.data.map((p) => (
                  <Fragment key={p.name}>
                    <tr data-policy={p.name}>
                      <td>
                        {p.name} {p.builtin ? <span className="badge">built in</span> : null}
                      </td>
                      <td>{p.description || <span className="muted">—</span>}</td>
                      <td className="hide-sm">{Object.keys(p.rules.path).length}</td>
                      <td className="hide-sm">
                        {p.builtin ? <span className="muted">—</span> : <Time value={p.modify_time} />}
                      </td>
                      <td>
                        <div className="row">
                          <button
                            type="button"
                            aria-expanded={open === p.name}
                            onClick={() => setOpen(open === p.name ? undefined : p.name)}
                          >
                            {open === p.name ? 'Hide rules' : 'Rules'}
                          </button>
                          {p.builtin ? (
                            <button type="button" onClick={() => load(p, true)}>
                              Copy
                            </button>
                          ) : (
                            <>
                              <button
                                type="button"
                                onClick={() => load(p, false)}
                                aria-label={`Edit ${p.name}`}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="danger"
                                aria-label={`Delete ${p.name}`}
                                onClick={() => setRemove(p)}
                              >
                                Delete
                              </button>
                            </>
                          )}
                        </div>
                      </td>
                    </tr>
                    {open === p.name ? (
                      <tr>
                        <td colSpan={5}>
                          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
                          <pre className="output" tabIndex={0}>
                            {JSON.stringify(p.rules, null, 2)}
                          </pre>
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
      <section className="panel" aria-labelledby="apply-h" ref={form}>
        <h2 id="apply-h">Apply a policy</h2>
        <ApplyPolicy
          draft={draft}
          onChange={setDraft}
          onApplied={() => {
            setDraft(EMPTY);
            policies.reload();
          }}
        />
      </section>
      <ConfirmDialog
        open={remove !== undefined}
        title={`Delete the policy ${remove?.name ?? ''}?`}
        confirm="Delete"
        onCancel={() => setRemove(undefined)}
        onConfirm={() => {
          const policy = remove;
          setRemove(undefined);
          if (policy)
            void act(`Deleted the policy ${policy.name}`, () => api.deletePolicy(policy.name)).then(
              policies.reload,
            );
        }}
      >
        <p>A policy that a token still names cannot be deleted: revoke those tokens first.</p>
      </ConfirmDialog>
    </>
  );
}

function ApplyPolicy(props: { draft: Draft; onChange: (d: Draft) => void; onApplied: () => void }) {
  const { draft } = props;
  const [errors, setErrors] = useState<{ name?: string; description?: string; rules?: string }>({});
  const [error, setError] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const toast = useToast();
  const set = (change: Partial<Draft>) => {
    props.onChange({ ...draft, ...change });
    setErrors({});
  };

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(undefined);
    if (draft.name.trim() === '') {
      setErrors({ name: 'A policy needs a name.' });
      document.getElementById('policy-name')?.focus();
      return;
    }
    let rules: AclRules;
    try {
      rules = JSON.parse(draft.rules) as AclRules;
    } catch (err) {
      setErrors({ rules: `Not JSON: ${err instanceof Error ? err.message : String(err)}` });
      document.getElementById('policy-rules')?.focus();
      return;
    }
    setSaving(true);
    try {
      const applied = await api.applyPolicy(draft.name.trim(), { description: draft.description, rules });
      toast(`Applied the policy ${applied.name}`);
      setErrors({});
      props.onApplied();
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      const key =
        field === 'name' || field === 'description'
          ? field
          : field?.startsWith('rules')
            ? 'rules'
            : undefined;
      if (key && err instanceof ApiError) {
        // The server's message names the field already (`rules.path["/x"].capabilities: …`).
        setErrors({ [key]: err.message });
        document.getElementById(`policy-${key}`)?.focus();
      } else setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setSaving(false);
    }
  }

  const described = (key: 'name' | 'description' | 'rules', hint: boolean) =>
    [hint ? `policy-${key}-hint` : '', errors[key] ? `policy-${key}-error` : ''].filter(Boolean).join(' ') ||
    undefined;

  return (
    <form onSubmit={submit} noValidate aria-label="Apply a policy">
      <ErrorNotice error={error} />
      <div className="form-grid">
        <div className="field">
          <label htmlFor="policy-name">Name</label>
          <input
            id="policy-name"
            value={draft.name}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={described('name', true)}
            onChange={(e) => set({ name: e.target.value })}
          />
          <div className="hint" id="policy-name-hint">
            An existing name replaces that policy. Letters, digits, <code>_</code>, <code>-</code> and{' '}
            <code>.</code>
          </div>
          {errors.name ? (
            <div className="error" id="policy-name-error" role="alert">
              {errors.name}
            </div>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="policy-description">Description</label>
          <input
            id="policy-description"
            value={draft.description}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={described('description', false)}
            onChange={(e) => set({ description: e.target.value })}
          />
          {errors.description ? (
            <div className="error" id="policy-description-error" role="alert">
              {errors.description}
            </div>
          ) : null}
        </div>
      </div>
      <div className="field">
        <label htmlFor="policy-rules">Rules (JSON)</label>
        <textarea
          id="policy-rules"
          rows={12}
          spellCheck={false}
          value={draft.rules}
          aria-invalid={errors.rules ? true : undefined}
          aria-describedby={described('rules', true)}
          onChange={(e) => set({ rules: e.target.value })}
        />
        <div className="hint" id="policy-rules-hint">
          Dkron Pro's rules: each key of <code>path</code> is a path glob (<code>*</code> one segment,{' '}
          <code>**</code> any depth), each value the capabilities it grants (create, read, update, delete,
          list).
        </div>
        {errors.rules ? (
          <div className="error" id="policy-rules-error" role="alert">
            {errors.rules}
          </div>
        ) : null}
      </div>
      <button type="submit" className="primary" disabled={saving}>
        {saving ? 'Applying…' : 'Apply policy'}
      </button>
    </form>
  );
}
