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

/** Inside a `<script>`, JSON is safe once `<` cannot close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

async function templateValues(agent: AgentApi): Promise<Record<string, unknown>> {
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
    DKRON_ACL_ENABLED: uiAclEnabled(agent),
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
    return c.body(new Uint8Array(asset), 200, { 'Content-Type': type });
  }
  // Unknown paths render the app too: its router is hash-based, but deep links must not 404.
  const index = await readUnder(root, 'index.html');
  if (!index) throw notFound('the UI is not built (no index.html)');
  const html = renderIndex(new TextDecoder().decode(index), await templateValues(agent));
  return c.html(html, 200, { 'Cache-Control': 'no-cache' });
}

/** `/` → `/ui/` for browsers, and the UI's files under `/ui/` (Dkron registers these only with the UI). */
export function registerUi(app: Hono, rootDir: string, agent: AgentApi): void {
  const root = resolve(rootDir);
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
      return c.redirect('/ui/', 303);
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
    (c) => c.redirect('/ui/', 301),
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
