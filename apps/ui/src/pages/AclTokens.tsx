import { useRef, useState } from 'react';
import { ConfirmDialog, ErrorNotice, Loading, ScrollRegion, Time, useAction } from '../components/ui';
import { ApiError, api } from '../lib/api';
import { useLoad } from '../lib/hooks';
import { href, useTitle } from '../lib/router';
import { signOut, useSession } from '../lib/session';
import type { AclToken } from '../lib/types';

/** ACL tokens (management tokens only): list, create (the secret is shown once), revoke. */
export function AclTokens() {
  useTitle('Tokens');
  const session = useSession();
  const self = session.kind === 'signed-in' ? session.self.accessor_id : '';
  const tokens = useLoad((s) => api.tokens(s), []);
  const [created, setCreated] = useState<AclToken>();
  const [revoke, setRevoke] = useState<AclToken>();
  const act = useAction();

  return (
    <>
      <h1>Tokens</h1>
      {created?.secret ? <NewSecret token={created} onDone={() => setCreated(undefined)} /> : null}
      <CreateToken
        onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }}
      />
      <section className="panel" aria-labelledby="tokens-h">
        <h2 id="tokens-h">Tokens</h2>
        <ErrorNotice error={tokens.error} />
        {!tokens.data && !tokens.error ? <Loading what="tokens" /> : null}
        {tokens.data ? (
          <ScrollRegion label="Tokens table">
            <table aria-label="Tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Policies</th>
                  <th scope="col" className="hide-sm">
                    Created
                  </th>
                  <th scope="col" className="hide-sm">
                    Accessor ID
                  </th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.map((t) => (
                  <tr key={t.accessor_id} data-token={t.name}>
                    <td>
                      {t.name}
                      {t.accessor_id === self ? <span className="muted"> (this session)</span> : null}
                    </td>
                    <td>{t.type}</td>
                    <td>{t.policies.length ? t.policies.join(', ') : <span className="muted">—</span>}</td>
                    <td className="hide-sm">
                      <Time value={t.create_time} />
                    </td>
                    <td className="hide-sm mono">{t.accessor_id}</td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${t.name}`}
                        onClick={() => setRevoke(t)}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        ) : null}
      </section>
      <ConfirmDialog
        open={revoke !== undefined}
        title={`Revoke ${revoke?.name ?? ''}?`}
        confirm="Revoke"
        onCancel={() => setRevoke(undefined)}
        onConfirm={() => {
          const token = revoke;
          setRevoke(undefined);
          if (!token) return;
          void act(`Revoked ${token.name}`, () => api.revokeToken(token.accessor_id)).then((ok) => {
            if (ok && token.accessor_id === self) signOut();
            else tokens.reload();
          });
        }}
      >
        <p>
          Requests with this token are refused from now on (other servers within 5 seconds).
          {revoke?.accessor_id === self ? ' It is the token of this session: you will be signed out.' : ''}
        </p>
      </ConfirmDialog>
    </>
  );
}

function NewSecret({ token, onDone }: { token: AclToken; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section className="panel notice" aria-labelledby="secret-h" data-testid="new-secret">
      <h2 id="secret-h">Secret of {token.name}</h2>
      <p>Copy it now: it is shown this once and never again (the server keeps only its hash).</p>
      <p>
        <code className="secret" data-testid="secret">
          {token.secret}
        </code>
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(token.secret ?? '').then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={onDone}>
          Done, hide it
        </button>
      </div>
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated: (token: AclToken) => void }) {
  const policies = useLoad((s) => api.policies(s), []);
  const [name, setName] = useState('');
  const [type, setType] = useState<'client' | 'management'>('client');
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    setError(undefined);
    try {
      const token = await api.createToken({ name, type, policies: type === 'client' ? chosen : [] });
      setName('');
      setChosen([]);
      onCreated(token);
    } catch (err) {
      if (err instanceof ApiError && (err.field === 'name' || err.field === 'policies')) {
        setErrors({ [err.field]: err.message });
        if (err.field === 'name') nameInput.current?.focus();
      } else setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="create-token-h">
      <h2 id="create-token-h">Create a token</h2>
      <form onSubmit={submit} noValidate aria-label="Create a token">
        <ErrorNotice error={error} />
        <div className="form-grid">
          <div className="field">
            <label htmlFor="token-name">Name</label>
            <input
              ref={nameInput}
              id="token-name"
              value={name}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? 'token-name-error' : undefined}
              onChange={(e) => setName(e.target.value)}
            />
            {errors.name ? (
              <div className="error" id="token-name-error" role="alert">
                {errors.name}
              </div>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="token-type">Type</label>
            <select
              id="token-type"
              value={type}
              aria-describedby="token-type-hint"
              onChange={(e) => setType(e.target.value === 'management' ? 'management' : 'client')}
            >
              <option value="client">client: what its policies grant</option>
              <option value="management">management: everything, ACLs included</option>
            </select>
            <div className="hint" id="token-type-hint">
              A management token may create and revoke tokens and policies.
            </div>
          </div>
        </div>
        {type === 'client' ? (
          <fieldset className="field" aria-describedby={errors.policies ? 'token-policies-error' : undefined}>
            <legend className="label">Policies</legend>
            {policies.data ? (
              <div className="row">
                {policies.data.map((p) => (
                  <label key={p.name} className="check">
                    <input
                      type="checkbox"
                      checked={chosen.includes(p.name)}
                      onChange={(e) =>
                        setChosen((c) => (e.target.checked ? [...c, p.name] : c.filter((x) => x !== p.name)))
                      }
                    />
                    {p.name}
                  </label>
                ))}
              </div>
            ) : (
              <Loading what="policies" />
            )}
            <div className="hint">
              Edit them on the <a href={href('acl', 'policies')}>Policies</a> page.
            </div>
            {errors.policies ? (
              <div className="error" id="token-policies-error" role="alert">
                {errors.policies}
              </div>
            ) : null}
          </fieldset>
        ) : null}
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create token'}
        </button>
      </form>
    </section>
  );
}
