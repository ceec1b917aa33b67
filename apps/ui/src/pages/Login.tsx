import { useTitle } from '../lib/router';

/**
 * Where the app goes when the API answers 401. Access control is not switched on in this build
 * (`DKRON_ACL_ENABLED` is false); a token login belongs here once it is.
 */
export function Login() {
  useTitle('Sign in');
  return (
    <>
      <h1>Sign in required</h1>
      <section className="panel">
        <p>The server refused the request: it needs credentials this page does not have.</p>
        <p className="muted">Access control is {window.DKRON_ACL_ENABLED ? 'on' : 'off'} on this server.</p>
        <p>
          <a href="#/">Back to the dashboard</a>
        </p>
      </section>
    </>
  );
}
