import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { AgentApi } from '@dkron-core/kernel';
import type { Context, Hono } from 'hono';
import { uiAclEnabled } from './acl/ui-flag.js';
import { describe } from './describe.js';
import { notFound } from './errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Gin's `NegotiateFormat(HTML)` as Dkron uses it for `/`: no `Accept` header, or any range that
 * covers `text/html` (q-values ignored, as gin ignores them).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept?.trim()) return true;
  return accept
    .split(',')
    .map((part) => (part.split(';')[0] ?? '').trim().toLowerCase())
    .some((type) => type === 'text/html' || type === 'text/*' || type === '*/*' || type === '*');
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * A value as a JavaScript literal that is safe inside a `<script>` element (as Go's html/template
 * renders it): JSON with `<`, `>`, `&` and the line separators U+2028/2029 escaped, so that no value
 * (a node name is user input) can close the element, open a comment or break an older parser.
 */
export function scriptJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (ch) => SCRIPT_ESCAPES[ch] ?? ch);
}

/** Vite (ours and Dkron's build) writes `assets/<name>-<hash>.<ext>`: those never change under one name. */
const HASHED = /^assets\/(?:.*\/)?[^/]*-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/i;

/** A path prefix such as `/dkron` or `/a/b`; anything else (`//host`, `..`, spaces) is refused. */
const PREFIX = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*$/;

/** A base path is valid when it is empty or a clean prefix; `/` counts as empty. */
export function normalizeBasePath(path: string): string | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (!PREFIX.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) return undefined;
  return trimmed;
}

/**
 * The page is public (its sign-in must load), so with ACLs on it tells an anonymous reader nothing:
 * no job counts, no leader name. The UI reads them through the API once signed in.
 */
const SIGNED_OUT_VALUES = {
  DKRON_API_URL: '../v1',
  DKRON_LEADER: '',
  DKRON_TOTAL_JOBS: 0,
  DKRON_SUCCESSFUL_JOBS: 0,
  DKRON_FAILED_JOBS: 0,
  DKRON_UNTRIGGERED_JOBS: 0,
  DKRON_ACL_ENABLED: true,
} as const;

async function templateValues(agent: AgentApi): Promise<Record<string, unknown>> {
  if (uiAclEnabled(agent)) return SIGNED_OUT_VALUES;
  const count = async (status?: '' | 'success' | 'failed') =>
    (await agent.listJobs({ ...(status === undefined ? {} : { status }), end: 0 })).total;
  // The page must render even when the store or the cluster cannot answer: counts fall back to 0.
  const [total, success, failed, untriggered, leader] = await Promise.allSettled([
    count(),
    count('success'),
    count('failed'),
    count(''),
    agent.leader(),
  ]);
  const value = <T>(result: PromiseSettledResult<T>, fallback: T) =>
    result.status === 'fulfilled' ? result.value : fallback;
  return {
    DKRON_API_URL: '../v1',
    DKRON_LEADER: value(leader, undefined)?.Name ?? 'no leader',
    DKRON_TOTAL_JOBS: value(total, 0),
    DKRON_SUCCESSFUL_JOBS: value(success, 0),
    DKRON_FAILED_JOBS: value(failed, 0),
    DKRON_UNTRIGGERED_JOBS: value(untriggered, 0),
    DKRON_ACL_ENABLED: false,
  };
}

/** Fills Dkron's `{{ .DKRON_* }}` placeholders of the UI's `index.html` with JSON values. */
export function renderIndex(html: string, values: Record<string, unknown>): string {
  return html.replace(/\{\{\s*\.?\s*(DKRON_[A-Z_]+)\s*\}\}/g, (placeholder, key: string) =>
    Object.hasOwn(values, key) ? scriptJson(values[key]) : placeholder,
  );
}

/** The file under `root` named by `rel`, or `undefined` (missing, a directory, or outside `root`). */
async function readUnder(root: string, rel: string): Promise<Uint8Array | undefined> {
  const file = resolve(root, rel);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return (await stat(file)).isFile() ? await readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

async function serveUi(c: Context, root: string, agent: AgentApi): Promise<Response> {
  const rel = c.req.path.slice(c.req.path.indexOf('/ui/') + '/ui/'.length);
  const asset = rel === '' || rel === 'index.html' ? undefined : await readUnder(root, rel);
  if (asset) {
    const type = CONTENT_TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream';
    const cache = HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(new Uint8Array(asset), 200, { 'Content-Type': type, 'Cache-Control': cache });
  }
  // Unknown paths render the app too: its router is hash-based, but deep links must not 404.
  const index = await readUnder(root, 'index.html');
  if (!index) throw notFound('the UI is not built (no index.html)');
  const html = renderIndex(new TextDecoder().decode(index), await templateValues(agent));
  return c.html(html, 200, { 'Cache-Control': 'no-cache' });
}

/** Options of {@link registerUi}. */
export interface UiOptions {
  /** Directory of the built UI (`index.html` and its assets). */
  readonly root: string;
  /**
   * Path prefix under which a reverse proxy publishes this server (`/dkron`), used in redirects.
   * A proxy's `X-Forwarded-Prefix` header wins over it.
   */
  readonly basePath?: string;
}

/** The prefix of the client's URL: `X-Forwarded-Prefix` when it is a clean path, else the base path. */
function publicPrefix(c: Context, basePath: string): string {
  const forwarded = c.req.header('X-Forwarded-Prefix');
  const prefix =
    forwarded === undefined ? undefined : normalizeBasePath(forwarded.split(',')[0]?.trim() ?? '');
  return prefix ?? basePath;
}

/** `/` → `/ui/` for browsers, and the UI's files under `/ui/` (Dkron registers these only with the UI). */
export function registerUi(app: Hono, options: UiOptions, agent: AgentApi): void {
  const root = resolve(options.root);
  const basePath = normalizeBasePath(options.basePath ?? '') ?? '';
  app.get(
    '/',
    describe({
      operationId: 'root',
      summary: 'Browsers go to the UI',
      tags: ['ui'],
      responses: { 303: { description: 'Redirect to `/ui/` when `Accept` allows HTML.' } },
      errors: { 404: '`Accept` does not allow HTML.' },
    }),
    (c) => {
      if (!prefersHtml(c.req.header('Accept'))) throw notFound('nothing here: the API is under /v1');
      return c.redirect(`${publicPrefix(c, basePath)}/ui/`, 303);
    },
  );
  app.get(
    '/ui',
    describe({
      operationId: 'uiNoSlash',
      summary: 'Redirect to `/ui/`',
      description: 'Relative asset URLs only resolve below `/ui/`.',
      tags: ['ui'],
      responses: { 301: { description: 'Redirect to `/ui/`.' } },
    }),
    (c) => c.redirect(`${publicPrefix(c, basePath)}/ui/`, 301),
  );
  app.get(
    '/ui/*',
    describe({
      operationId: 'ui',
      summary: 'The web UI',
      description:
        'Files of the built UI; any other path renders `index.html` with the node’s values filled in.',
      tags: ['ui'],
      responses: {
        200: { description: 'A file of the UI.', contentType: 'text/html', schema: { type: 'string' } },
      },
      errors: { 404: 'The UI is not built.' },
    }),
    (c) => serveUi(c, root, agent),
  );
}
