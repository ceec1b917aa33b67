import { lazy, Suspense, useEffect, useState } from 'react';
import { Loading, ToastProvider } from './components/ui';
import { useRoute } from './lib/router';
import { type Can, type Session, signOut, useCan, useSession } from './lib/session';
import { applyTheme, storedTheme, type Theme } from './lib/theme';
import { Backup } from './pages/Backup';
import { Busy } from './pages/Busy';
import { Dashboard } from './pages/Dashboard';
import { JobForm } from './pages/JobForm';
import { JobList } from './pages/JobList';
import { JobPage } from './pages/JobPage';
import { Login } from './pages/Login';
import { Members } from './pages/Members';

// Pages few people open are loaded when opened, not with the job list.
const Audit = lazy(() => import('./pages/Audit').then((m) => ({ default: m.Audit })));
const AclTokens = lazy(() => import('./pages/AclTokens').then((m) => ({ default: m.AclTokens })));
const AclPolicies = lazy(() => import('./pages/AclPolicies').then((m) => ({ default: m.AclPolicies })));

/** Paths the navigation depends on, asked of the server once per session (client tokens). */
const NAV_PATHS = ['/v1/jobs', '/v1/busy', '/v1/members', '/v1/restore', '/v1/audit'];

/** `[href, label, first segment, shown]` of the main navigation. */
function navItems(can: Can, session: Session): [string, string, string, boolean][] {
  const reads = (path: string) => can(path, 'list', 'read') === true;
  const management = session.kind === 'signed-in' && session.self.type === 'management';
  return [
    ['#/', 'Dashboard', '', true],
    ['#/jobs', 'Jobs', 'jobs', true],
    ['#/busy', 'Running', 'busy', reads('/v1/busy')],
    ['#/members', 'Members', 'members', reads('/v1/members')],
    ['#/backup', 'Backup', 'backup', reads('/v1/jobs') || can('/v1/restore', 'create') === true],
    ['#/audit', 'Audit log', 'audit', reads('/v1/audit')],
    ['#/acl/tokens', 'Tokens', 'acl-tokens', management],
    ['#/acl/policies', 'Policies', 'acl-policies', management],
  ];
}

function Screen() {
  const route = useRoute();
  const [first = '', second, third] = route.segments;
  if (first === '') return <Dashboard />;
  if (first === 'jobs' && second === undefined) return <JobList />;
  if (first === 'jobs' && second === 'new' && third === undefined) {
    return (
      <JobForm key={`new-${route.query.get('clone') ?? ''}`} clone={route.query.get('clone') ?? undefined} />
    );
  }
  if (first === 'jobs' && second !== undefined && third === 'edit')
    return <JobForm key={`edit-${second}`} edit={second} />;
  if (first === 'jobs' && second !== undefined && third === undefined) {
    return <JobPage key={second} name={second} tab={route.query.get('tab') ?? 'summary'} />;
  }
  if (first === 'busy') return <Busy />;
  if (first === 'members') return <Members />;
  if (first === 'backup') return <Backup />;
  if (first === 'audit') return <Audit />;
  if (first === 'acl' && second === 'tokens') return <AclTokens />;
  if (first === 'acl' && second === 'policies') return <AclPolicies />;
  if (first === 'login') {
    // Where a 401 used to land: signed in by now, so go on to where the sign-in was asked for.
    return (
      <p>
        You are signed in. <a href={`#${route.query.get('from') || '/'}`}>Continue</a>.
      </p>
    );
  }
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page at <code>{route.path}</code>. <a href="#/">Go to the dashboard</a>.
      </p>
    </>
  );
}

function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system') return;
    const media = matchMedia('(prefers-color-scheme: dark)');
    const follow = () => applyTheme('system');
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [theme]);
  return (
    <label className="row muted" style={{ padding: '4px 8px' }}>
      Theme
      <select aria-label="Theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

/** The token in use, and signing out (nothing with ACLs off). */
function SessionBox({ session }: { session: Session }) {
  if (session.kind !== 'signed-in') return null;
  const { self } = session;
  const what = self.type === 'management' ? 'management token' : `policies: ${self.policies.join(', ')}`;
  return (
    <div className="session" data-testid="session">
      <div>
        Signed in as <strong>{self.name}</strong>
      </div>
      <div className="muted">{what}</div>
      <button type="button" onClick={signOut}>
        Sign out
      </button>
    </div>
  );
}

export function App() {
  const session = useSession();
  if (session.kind === 'checking' || session.kind === 'signed-out' || session.kind === 'unreachable') {
    return <Login session={session} />;
  }
  return <Shell session={session} />;
}

function Shell({ session }: { session: Session }) {
  const route = useRoute();
  const [first = '', second] = route.segments;
  const current = first === 'acl' ? `acl-${second ?? ''}` : first;
  const can = useCan(NAV_PATHS);
  return (
    <ToastProvider>
      {/* A button, not a #main link: the hash is the router's. */}
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <div className="shell">
        <nav className="nav" aria-label="Main">
          <div className="brand">
            <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
              <circle cx="16" cy="16" r="14" fill="#2563eb" />
              <path d="M16 8v8l6 4" stroke="#fff" strokeWidth="3" fill="none" strokeLinecap="round" />
            </svg>
            dkron-core
          </div>
          {navItems(can, session)
            .filter(([, , , shown]) => shown)
            .map(([to, label, key]) => (
              <a key={to} href={to} aria-current={current === key ? 'page' : undefined}>
                {label}
              </a>
            ))}
          <div className="spacer" />
          <SessionBox session={session} />
          <ThemeSwitch />
        </nav>
        <main id="main" tabIndex={-1}>
          <Suspense fallback={<Loading what="the page" />}>
            <Screen />
          </Suspense>
        </main>
      </div>
    </ToastProvider>
  );
}
