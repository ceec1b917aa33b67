import { useEffect, useRef, useState } from 'react';
import { useTitle } from '../lib/router';
import { type Session, signIn } from '../lib/session';

/**
 * The token sign-in, shown instead of the app while ACLs are on and the tab has no accepted token.
 * The secret goes to sessionStorage only after the server accepted it (`GET /v1/acl/token/self`).
 */
export function Login({ session }: { session: Session }) {
  useTitle('Sign in');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const reason = session.kind === 'signed-out' ? session.reason : undefined;
  const unreachable = session.kind === 'unreachable' ? session.error : undefined;

  useEffect(() => input.current?.focus(), []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(secret);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      input.current?.focus();
      input.current?.select();
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login" tabIndex={-1}>
      <div className="brand">
        <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
          <circle cx="16" cy="16" r="14" fill="#2563eb" />
          <path d="M16 8v8l6 4" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" />
        </svg>
        dkron-core
      </div>
      <section className="panel" aria-labelledby="login-h">
        <h1 id="login-h">Sign in</h1>
        {session.kind === 'checking' ? (
          <p className="muted" aria-live="polite">
            Checking the token of this tab…
          </p>
        ) : (
          <form onSubmit={submit} noValidate aria-label="Sign in">
            <p>Access control is on: paste the secret of your ACL token.</p>
            {reason && !error ? (
              <p className="notice" role="status">
                {reason}
              </p>
            ) : null}
            {unreachable ? (
              <p className="notice error" role="alert">
                The server could not check the token of this tab: {unreachable}
              </p>
            ) : null}
            <div className="field">
              <label htmlFor="token-secret">Token secret</label>
              <input
                ref={input}
                id="token-secret"
                type="password"
                autoComplete="off"
                spellCheck={false}
                className="mono"
                value={secret}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? 'token-error token-hint' : 'token-hint'}
                onChange={(e) => setSecret(e.target.value)}
              />
              <div className="hint" id="token-hint">
                Kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>. A new
                cluster's first token comes from <code>dkron-core acl bootstrap</code>.
              </div>
              {error ? (
                <div className="error" id="token-error" role="alert">
                  {error}
                </div>
              ) : null}
            </div>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Checking…' : 'Sign in'}
            </button>
          </form>
        )}
      </section>
    </main>
  );
}
