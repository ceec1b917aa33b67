import type { Converted } from './values.js';

/**
 * Checks of string values; each returns a problem sentence, or `undefined` when the value is fine.
 */

const show = (s: string): string => JSON.stringify(s);

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]*):(\d{1,5})$/;
const HOST_ONLY = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+)$/;

function templateProblem(value: string): string | undefined {
  return value.includes('{{') ? `go-sockaddr templates are not supported yet, got ${show(value)}` : undefined;
}

/** A listen address: `host:port`, `:port` or `[ipv6]:port`. */
export function checkListenAddr(value: string): string | undefined {
  const template = templateProblem(value);
  if (template) return template;
  const m = HOST_PORT.exec(value);
  if (!m || Number(m[2]) > 65535) return `invalid address ${show(value)} (expected host:port or :port)`;
  return undefined;
}

/** An address to reach: `host:port` with a host. Empty means unset. */
export function checkDialAddr(value: string): string | undefined {
  if (value === '') return undefined;
  const template = templateProblem(value);
  if (template) return template;
  const m = HOST_PORT.exec(value);
  if (!m || m[1] === '' || Number(m[2]) > 65535) return `invalid address ${show(value)} (expected host:port)`;
  return undefined;
}

/** An advertised address: `host` or `host:port`. Empty means "the bind address". */
export function checkAdvertiseAddr(value: string): string | undefined {
  if (value === '' || HOST_ONLY.test(value)) return templateProblem(value);
  return checkDialAddr(value);
}

/** An IANA time zone name such as `Europe/Paris`. */
export function checkTimezone(value: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return undefined;
  } catch {
    return `unknown time zone ${show(value)} (expected a name such as UTC or Europe/Paris)`;
  }
}

/** A base64 key of 16, 24 or 32 bytes, as `dkron-core keygen` prints. Empty means no encryption. */
export function checkEncryptKey(value: string): string | undefined {
  if (value === '') return undefined;
  const valid = /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0;
  const bytes = valid ? Buffer.from(value, 'base64').length : 0;
  if (bytes === 16 || bytes === 24 || bytes === 32) return undefined;
  return 'must be a base64 key of 16, 24 or 32 bytes (make one with dkron-core keygen)';
}

/** A node name: not empty, no spaces (it is a Raft server id and a URL segment). */
export function checkNodeName(value: string): string | undefined {
  return /^\S+$/.test(value) ? undefined : `must be a non-empty name without spaces, got ${show(value)}`;
}

/** Not empty. */
export function checkNotEmpty(value: string): string | undefined {
  return value.trim() === '' ? 'must not be empty' : undefined;
}

/**
 * Normalizes an rqlite node address to a URL (`10.0.0.1:4001` → `http://10.0.0.1:4001`).
 */
export function normalizeRqliteUrl(value: string): Converted<string> {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') {
      return { ok: true, value: withScheme.replace(/\/+$/, '') };
    }
  } catch {
    // reported below
  }
  return { ok: false, problem: `invalid URL ${show(value)} (expected http://host:port)` };
}

/** A browser origin for `--cors-allowed-origins`: `*`, or `scheme://host[:port]` without a path. */
export function normalizeOrigin(value: string): Converted<string> {
  if (value === '*') return { ok: true, value };
  try {
    const url = new URL(value);
    const bare = url.pathname === '/' && url.search === '' && url.hash === '' && !value.endsWith('/');
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && bare) {
      return { ok: true, value: url.origin };
    }
  } catch {
    // reported below
  }
  return {
    ok: false,
    problem: `invalid origin ${show(value)} (expected * or scheme://host[:port], e.g. https://ui.example)`,
  };
}

/** A URL path prefix such as `/dkron` or `/tools/cron`; empty or `/` means none. */
export function checkBasePath(value: string): string | undefined {
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  const clean =
    /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(trimmed) &&
    !trimmed.split('/').some((segment) => segment === '.' || segment === '..');
  return clean ? undefined : `must be a path prefix such as /dkron, got ${show(value)}`;
}
