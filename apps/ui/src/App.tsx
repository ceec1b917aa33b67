import { useEffect, useState } from 'react';
import { ToastProvider } from './components/ui';
import { onUnauthorized } from './lib/api';
import { navigate, useRoute } from './lib/router';
import { applyTheme, storedTheme, type Theme } from './lib/theme';
import { Backup } from './pages/Backup';
import { Busy } from './pages/Busy';
import { Dashboard } from './pages/Dashboard';
import { JobForm } from './pages/JobForm';
import { JobList } from './pages/JobList';
import { JobPage } from './pages/JobPage';
import { Login } from './pages/Login';
import { Members } from './pages/Members';

const NAV = [
  ['#/', 'Dashboard', ''],
  ['#/jobs', 'Jobs', 'jobs'],
  ['#/busy', 'Running', 'busy'],
  ['#/members', 'Members', 'members'],
  ['#/backup', 'Backup', 'backup'],
] as const;

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
  if (first === 'login') return <Login />;
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

export function App() {
  const route = useRoute();
  const current = route.segments[0] ?? '';
  useEffect(
    () =>
      onUnauthorized(() => {
        if (!window.location.hash.startsWith('#/login')) {
          navigate(`/login?from=${encodeURIComponent(window.location.hash.replace(/^#/, ''))}`, true);
        }
      }),
    [],
  );
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
          {NAV.map(([to, label, key]) => (
            <a key={to} href={to} aria-current={current === key ? 'page' : undefined}>
              {label}
            </a>
          ))}
          <div className="spacer" />
          <ThemeSwitch />
        </nav>
        <main id="main" tabIndex={-1}>
          <Screen />
        </main>
      </div>
    </ToastProvider>
  );
}
