/**
 * Who uses the UI and what they may do. With ACLs off (`DKRON_ACL_ENABLED` false) everyone may do
 * everything and nothing is asked. With ACLs on, the UI needs a token: it is checked with
 * `GET /v1/acl/token/self`, kept in sessionStorage (gone with the tab), and sent as `Authorization:
 * Bearer`. What a client token may do is asked of the server for concrete paths (the same endpoint,
 * `?path=…`), so the one copy of the policy rules stays on the server; the answers are cached here
 * for a short while and dropped on sign-in and sign-out.
 */

import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { ApiError, api, getToken, onUnauthorized, setToken } from './api';
import type { AclRules, Capability, TokenSelf } from './types';

export type Session =
  /** ACLs off: anonymous, every capability. */
  | { readonly kind: 'open' }
  /** A token is being checked. */
  | { readonly kind: 'checking' }
  | { readonly kind: 'signed-in'; readonly self: TokenSelf }
  /** No token, or the server stopped accepting it; `reason` says why, for the sign-in page. */
  | { readonly kind: 'signed-out'; readonly reason?: string }
  /** The server could not be asked about the token (network, 5xx). */
  | { readonly kind: 'unreachable'; readonly error: string };

const listeners = new Set<() => void>();
let session: Session = { kind: 'open' };
/** Bumped whenever cached capabilities change. */
let version = 0;

function emit(): void {
  version++;
  for (const l of listeners) l();
}

function setSession(next: Session): void {
  session = next;
  capabilities.clear();
  emit();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the served page says ACLs are on. */
export function aclEnabled(): boolean {
  return window.DKRON_ACL_ENABLED === true;
}

/** What the sign-in page says after the server refused the token in use. */
export const REFUSED_IN_USE =
  'The server no longer accepts this token (it was revoked, or the cluster was reset). Sign in again.';

/** What the sign-in page says when the server refused a token typed there. */
export const REFUSED_AT_SIGN_IN = 'The server refused this token: it is unknown or was revoked.';

async function check(token: string): Promise<Session> {
  try {
    const self = await api.tokenSelf([], { token });
    return { kind: 'signed-in', self };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return { kind: 'signed-out', reason: REFUSED_AT_SIGN_IN };
    return { kind: 'unreachable', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Starts the session from the page's flag and a token kept by an earlier load of this tab. */
export async function startSession(): Promise<void> {
  onUnauthorized(() => {
    // A 401 with the session's token: it was revoked; or ACLs were turned on under an open page.
    if (session.kind === 'signed-in') {
      setToken(null);
      setSession({ kind: 'signed-out', reason: REFUSED_IN_USE });
    } else if (session.kind === 'open') {
      setSession({ kind: 'signed-out', reason: 'This server asks for a token.' });
    }
  });
  if (!aclEnabled()) {
    setSession({ kind: 'open' });
    return;
  }
  const token = getToken();
  if (!token) {
    setSession({ kind: 'signed-out' });
    return;
  }
  setSession({ kind: 'checking' });
  const next = await check(token);
  if (next.kind === 'signed-out') setToken(null);
  setSession(next.kind === 'signed-out' ? { kind: 'signed-out', reason: REFUSED_IN_USE } : next);
}

/** Checks `secret` and keeps it when the server accepts it; the error message says why not. */
export async function signIn(secret: string): Promise<void> {
  const token = secret.trim();
  if (token === '') throw new Error('Paste a token secret first.');
  const next = await check(token);
  if (next.kind === 'signed-out') throw new Error(next.reason);
  if (next.kind === 'unreachable') throw new Error(`The server could not check the token: ${next.error}`);
  setToken(token);
  setSession(next);
}

export function signOut(): void {
  setToken(null);
  setSession({ kind: 'signed-out', reason: 'Signed out.' });
}

export function useSession(): Session {
  return useSyncExternalStore(subscribe, () => session);
}

// ---- capabilities ----------------------------------------------------------------------------

/** How long an answer about a path is reused; a policy change shows after this at the latest. */
const CAPABILITY_TTL_MS = 30_000;
/** Paths asked per request, so that the query string stays short (job names go up to 255 characters). */
const BATCH = 25;

/** Paths the server answers about (no glob characters, spaces, `?` or `#`); others stay unknown. */
const ASKABLE = /^\/[^\s*?#\p{Cc}]*$/u;

const capabilities = new Map<string, { readonly caps: ReadonlySet<Capability>; readonly at: number }>();
const inFlight = new Set<string>();

async function fetchCapabilities(paths: string[]): Promise<void> {
  for (const p of paths) inFlight.add(p);
  const owner = session;
  try {
    for (let i = 0; i < paths.length; i += BATCH) {
      const self = await api.tokenSelf(paths.slice(i, i + BATCH));
      if (session !== owner) return;
      const at = Date.now();
      for (const [path, caps] of Object.entries(self.capabilities)) {
        capabilities.set(path, { caps: new Set(caps), at });
      }
      emit();
    }
  } catch {
    // A 401 ends the session (see startSession); other failures leave the paths unknown (hidden).
  } finally {
    for (const p of paths) inFlight.delete(p);
  }
}

/** `true`/`false` once known, `undefined` while the server is being asked. */
export type Can = (path: string, ...any: Capability[]) => boolean | undefined;

/** Whether the session may do everything without asking (ACLs off, or a management token). */
function mayDoEverything(s: Session): boolean {
  return s.kind === 'open' || (s.kind === 'signed-in' && s.self.type !== 'client');
}

/**
 * What the session may do on `paths`: `can(path, 'create')` is true when the token has any one of
 * the capabilities given there. Unknown paths are asked of the server (and are `undefined` meanwhile).
 */
export function useCan(paths: readonly string[]): Can {
  const s = useSession();
  const v = useSyncExternalStore(subscribe, () => version);
  const key = paths.join('\n');
  const everything = mayDoEverything(s);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `v` (the cache's version) re-checks for stale paths
  useEffect(() => {
    if (everything || s.kind !== 'signed-in') return;
    const now = Date.now();
    const missing = [...new Set(key.split('\n'))].filter((p) => {
      if (p === '' || inFlight.has(p) || !ASKABLE.test(p)) return false;
      const known = capabilities.get(p);
      return !known || now - known.at > CAPABILITY_TTL_MS;
    });
    if (missing.length > 0) void fetchCapabilities(missing);
  }, [key, everything, s, v]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `v` is the cache's version
  return useMemo<Can>(
    () =>
      (path, ...any) => {
        if (everything) return true;
        if (s.kind !== 'signed-in') return false;
        const known = capabilities.get(path);
        return known ? any.some((c) => known.caps.has(c)) : undefined;
      },
    [everything, s, v],
  );
}

/**
 * Job paths on which the token's `create` globs could grant a new job: `/v1/jobs/team-a-*` gives
 * `/v1/jobs/team-a-x`, any other glob `/v1/jobs/x`. The server then says which really do: a glob of
 * a deeper path (the run route of every job) matches no such path, so it offers nothing here.
 */
export function jobCreateProbes(rules: AclRules): string[] {
  const probes = new Set<string>();
  for (const [glob, rule] of Object.entries(rules.path)) {
    if (!rule.capabilities.includes('create')) continue;
    const under = glob.startsWith('/v1/jobs/') ? glob.slice('/v1/jobs/'.length).split('/')[0] : undefined;
    const name = under ? under.replaceAll('*', 'x') : 'x';
    probes.add(`/v1/jobs/${name}`);
  }
  return [...probes];
}

/** Whether the session may create at least one job (to offer "New job" and "Clone"). */
export function useCanCreateJobs(): boolean | undefined {
  const s = useSession();
  const probes = useMemo(() => (s.kind === 'signed-in' ? jobCreateProbes(s.self.rules) : []), [s]);
  const can = useCan(probes);
  if (mayDoEverything(s)) return true;
  if (probes.length === 0) return false;
  const answers = probes.map((p) => can(p, 'create'));
  if (answers.includes(true)) return true;
  return answers.includes(undefined) ? undefined : false;
}

/** The policy path of a job, and of its sub-resources (the server's `jobPath`). */
export function jobPath(name: string, ...rest: string[]): string {
  return ['/v1/jobs', name, ...rest].join('/');
}
