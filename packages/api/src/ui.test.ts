import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createApi } from './create-api.js';
import { normalizeBasePath, prefersHtml, renderIndex, scriptJson } from './internal/ui.js';
import { setup, setupAcl } from './testing/harness.js';
import { realAgent } from './testing/real-agent.js';

const INDEX = `<!doctype html><html><head><script>
window.DKRON_API_URL = {{ .DKRON_API_URL }};
window.DKRON_LEADER = {{.DKRON_LEADER}};
window.DKRON_TOTAL_JOBS = {{.DKRON_TOTAL_JOBS}};
window.DKRON_SUCCESSFUL_JOBS = {{.DKRON_SUCCESSFUL_JOBS}};
window.DKRON_FAILED_JOBS = {{.DKRON_FAILED_JOBS}};
window.DKRON_UNTRIGGERED_JOBS = {{.DKRON_UNTRIGGERED_JOBS}};
window.DKRON_ACL_ENABLED = {{.DKRON_ACL_ENABLED}};
</script><script src="./assets/app.js"></script></head></html>`;

const FILES = {
  'index.html': INDEX,
  'assets/app.js': 'console.log(1)',
  'assets/index-B-x_3aZ1.js': 'console.log(2)',
  'favicon.ico': 'icon',
};

function uiDir(files: Record<string, string> = FILES): string {
  const dir = mkdtempSync(join(tmpdir(), 'dkron-ui-'));
  const root = join(dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return root;
}

async function withUi(files?: Record<string, string>, basePath?: string) {
  return setup({ ui: { root: uiDir(files) }, ...(basePath === undefined ? {} : { basePath }) });
}

/** Runs the page's inline script as a browser would and returns the globals it set. */
function globalsOf(html: string): Record<string, unknown> {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  expect(scripts).toHaveLength(1);
  const window: Record<string, unknown> = {};
  runInNewContext(scripts[0] ?? '', { window });
  return window;
}

describe('GET /', () => {
  it.each([
    [undefined, 303],
    ['text/html,application/xhtml+xml;q=0.9', 303],
    ['*/*', 303],
    ['text/*', 303],
    ['application/json', 404],
  ])('with Accept %s answers %i', async (accept, status) => {
    const { app } = await withUi();
    const res = await app.request('/', accept === undefined ? {} : { headers: { Accept: accept } });
    expect(res.status).toBe(status);
    if (status === 303) expect(res.headers.get('Location')).toBe('/ui/');
  });

  it('is a 404 without the UI, whatever Accept says', async () => {
    const { app } = await setup();
    expect((await app.request('/', { headers: { Accept: 'text/html' } })).status).toBe(404);
    expect((await app.request('/ui/')).status).toBe(404);
  });
});

describe('/ui/', () => {
  it('redirects /ui to /ui/ so that relative assets resolve', async () => {
    const { app } = await withUi();
    const res = await app.request('/ui');
    expect([res.status, res.headers.get('Location')]).toEqual([301, '/ui/']);
  });

  it('renders index.html with the node`s values', async () => {
    const { agent, app } = await withUi();
    await agent.seedJob({ name: 'a', status: 'success' });
    await agent.seedJob({ name: 'b', status: 'failed' });
    await agent.seedJob({ name: 'c', status: 'failed' });
    await agent.seedJob({ name: 'd', status: '' });
    await agent.seedJob({ name: 'e', status: 'partially_failed' });
    const res = await app.request('/ui/');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('window.DKRON_API_URL = "../v1";');
    expect(html).toContain('window.DKRON_LEADER = "node-a";');
    expect(html).toContain('window.DKRON_TOTAL_JOBS = 5;');
    expect(html).toContain('window.DKRON_SUCCESSFUL_JOBS = 1;');
    expect(html).toContain('window.DKRON_FAILED_JOBS = 2;');
    expect(html).toContain('window.DKRON_UNTRIGGERED_JOBS = 1;');
    expect(html).toContain('window.DKRON_ACL_ENABLED = false;');
  });

  it('still renders when the store fails and no leader is known', async () => {
    const { agent, app } = await withUi();
    agent.leaderKnown = false;
    agent.failWith = new Error('store down');
    const html = await (await app.request('/ui/')).text();
    expect(html).toContain('window.DKRON_LEADER = "no leader";');
    expect(html).toContain('window.DKRON_TOTAL_JOBS = 0;');
  });

  it('with ACLs on, turns on the token sign-in and shows an anonymous page no counts or leader', async () => {
    const { agent, call } = await setupAcl({ ui: { root: uiDir() } });
    await agent.seedJob({ name: 'a', status: 'success' });
    const res = await call('GET', '/ui/');
    expect(res.status).toBe(200);
    expect(globalsOf(res.text)).toEqual({
      DKRON_API_URL: '../v1',
      DKRON_LEADER: '',
      DKRON_TOTAL_JOBS: 0,
      DKRON_SUCCESSFUL_JOBS: 0,
      DKRON_FAILED_JOBS: 0,
      DKRON_UNTRIGGERED_JOBS: 0,
      DKRON_ACL_ENABLED: true,
    });
  });

  it('serves assets with their content type', async () => {
    const { app } = await withUi();
    const res = await app.request('/ui/assets/app.js');
    expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('renders index.html for unknown paths', async () => {
    const { app } = await withUi();
    for (const path of ['/ui/jobs/a/show', '/ui/assets', '/ui/%00']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('window.DKRON_API_URL = "../v1"');
    }
  });

  it('never serves a file outside the root', async () => {
    const { app } = await withUi();
    // The URL parser already folds some of these; whatever reaches the handler must stay inside.
    for (const path of ['/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/assets/..%2f..%2fsecret.txt']) {
      const res = await app.request(path);
      expect(await res.text(), path).not.toContain('TOP SECRET');
    }
  });

  it('answers 404 when the UI is not built', async () => {
    const { app } = await withUi({});
    const res = await app.request('/ui/');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('caching, base path and proxies', () => {
  it('caches hashed assets for a year and everything else never without a check', async () => {
    const { app } = await withUi();
    const cache = async (path: string) => (await app.request(path)).headers.get('Cache-Control');
    expect(await cache('/ui/assets/index-B-x_3aZ1.js')).toBe('public, max-age=31536000, immutable');
    expect(await cache('/ui/assets/app.js')).toBe('no-cache');
    expect(await cache('/ui/favicon.ico')).toBe('no-cache');
    expect(await cache('/ui/')).toBe('no-cache');
    expect(await cache('/ui/index.html')).toBe('no-cache');
  });

  it('compresses the UI for clients that accept it', async () => {
    const { app } = await withUi({
      ...FILES,
      'assets/big-AbCdEf12.js': `console.log("${'x'.repeat(4000)}")`,
    });
    const res = await app.request('/ui/assets/big-AbCdEf12.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('Content-Encoding')).toBe('gzip');
    expect((await res.arrayBuffer()).byteLength).toBeLessThan(1000);
    const plain = await app.request('/ui/assets/big-AbCdEf12.js');
    expect(plain.headers.get('Content-Encoding')).toBeNull();
    const api = await app.request('/v1/jobs', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(api.headers.get('Content-Encoding')).toBeNull();
  });

  it('serves the API and the UI under --ui-base-path as well as at the root, redirecting below it', async () => {
    const { app } = await withUi(undefined, '/dkron/');
    const root = await app.request('/dkron', { headers: { Accept: 'text/html' } });
    expect([root.status, root.headers.get('Location')]).toEqual([303, '/dkron/ui/']);
    const noSlash = await app.request('/dkron/ui');
    expect([noSlash.status, noSlash.headers.get('Location')]).toEqual([301, '/dkron/ui/']);
    expect(await (await app.request('/dkron/ui/')).text()).toContain('window.DKRON_API_URL = "../v1";');
    expect(await (await app.request('/dkron/ui/assets/app.js')).text()).toBe('console.log(1)');
    expect((await app.request('/dkron/v1/jobs')).status).toBe(200);
    // A proxy that strips the prefix reaches the same routes.
    expect((await app.request('/v1/jobs')).status).toBe(200);
    expect((await app.request('/ui', {})).headers.get('Location')).toBe('/dkron/ui/');
  });

  it('honours a clean X-Forwarded-Prefix in redirects and ignores one that could leave the site', async () => {
    const { app } = await withUi();
    const location = async (prefix: string) =>
      (await app.request('/', { headers: { 'X-Forwarded-Prefix': prefix } })).headers.get('Location');
    expect(await location('/proxy/cron')).toBe('/proxy/cron/ui/');
    expect(await location('/proxy/')).toBe('/proxy/ui/');
    for (const bad of ['//evil.example', 'https://evil.example', '/a/../b', '/a b', '/\\evil']) {
      expect(await location(bad), bad).toBe('/ui/');
    }
  });

  it('refuses a base path that is not a path prefix', async () => {
    expect(normalizeBasePath('/a/b/')).toBe('/a/b');
    expect(normalizeBasePath('/')).toBe('');
    expect(normalizeBasePath('a')).toBeUndefined();
    const { agent } = await setup();
    expect(() => createApi({ agent: agent.api, basePath: '//x' })).toThrow(/basePath/);
  });
});

describe('a hostile node name', () => {
  it.each([
    '</script><script>window.PWNED=1</script>',
    '<!--<script>',
    // U+2028/2029 cannot be in a node name (they are white space), see the helpers test below.
    'a&amp;"\'\\]]>',
  ])('renders %j as the literal value and nothing else', async (name) => {
    const real = await realAgent({ ui: { root: uiDir() } }, name);
    try {
      const html = await (await real.app.request('/ui/')).text();
      const globals = globalsOf(html);
      expect(globals.DKRON_LEADER).toBe(name);
      expect(globals.PWNED).toBeUndefined();
      expect(globals.DKRON_API_URL).toBe('../v1');
      expect(globals.DKRON_ACL_ENABLED).toBe(false);
      expect(html).not.toMatch(/[\u2028\u2029]/);
    } finally {
      await real.stop();
    }
  });
});

describe('helpers', () => {
  it('escapes values so that they cannot close the script', () => {
    expect(renderIndex('x = {{.DKRON_LEADER}}; y = {{.OTHER}}', { DKRON_LEADER: '</script><b>' })).toBe(
      'x = "\\u003c/script\\u003e\\u003cb\\u003e"; y = {{.OTHER}}',
    );
    expect(scriptJson('a&b\u2028')).toBe('"a\\u0026b\\u2028"');
  });

  it('negotiates like gin (q-values ignored)', () => {
    expect(prefersHtml('application/json, text/html;q=0')).toBe(true);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('')).toBe(true);
  });
});
