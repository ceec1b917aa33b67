/**
 * A hash router (`#/jobs/x?tab=runs`), as Dkron's UI uses: every screen has a URL that survives a
 * reload, and the server only ever serves index.html under /ui/.
 */

import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from 'react';

export interface Route {
  /** Path segments, decoded: `#/jobs/a%2Fb` → `['jobs', 'a/b']`. */
  readonly segments: string[];
  readonly query: URLSearchParams;
  readonly path: string;
}

function read(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

function subscribe(callback: () => void): () => void {
  window.addEventListener('hashchange', callback);
  return () => window.removeEventListener('hashchange', callback);
}

export function parseRoute(hash: string): Route {
  const [path = '/', search = ''] = hash.split('?', 2);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, query: new URLSearchParams(search), path };
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, read, () => '/');
  return parseRoute(hash);
}

/** A URL of the app: `href('jobs', name)` → `#/jobs/<name>`, with an optional query. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const query = parts.find((p): p is Record<string, string | undefined> => typeof p === 'object');
  const path = parts
    .filter((p): p is string => typeof p === 'string')
    .map(encodeURIComponent)
    .join('/');
  const qs = query
    ? new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1])).toString()
    : '';
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(to: string, replace = false): void {
  const target = to.startsWith('#') ? to : `#${to}`;
  if (replace) window.location.replace(target);
  else window.location.hash = target;
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { to, ...rest } = props;
  return <a href={to} {...rest} />;
}

/** Keeps the page title in step with the screen. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · dkron-core`;
  }, [title]);
}

/** For buttons that act as links inside tables. */
export function stop(e: MouseEvent): void {
  e.stopPropagation();
}
