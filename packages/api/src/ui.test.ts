import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prefersHtml, renderIndex } from './internal/ui.js';
import { setup } from './testing/harness.js';

const INDEX = `<!doctype html><html><head><script>
window.DKRON_API_URL = {{ .DKRON_API_URL }};
window.DKRON_LEADER = {{.DKRON_LEADER}};
window.DKRON_TOTAL_JOBS = {{.DKRON_TOTAL_JOBS}};
window.DKRON_SUCCESSFUL_JOBS = {{.DKRON_SUCCESSFUL_JOBS}};
window.DKRON_FAILED_JOBS = {{.DKRON_FAILED_JOBS}};
window.DKRON_UNTRIGGERED_JOBS = {{.DKRON_UNTRIGGERED_JOBS}};
window.DKRON_ACL_ENABLED = {{.DKRON_ACL_ENABLED}};
</script><script src="./assets/app.js"></script></head></html>`;

function withUi(files: Record<string, string> = { 'index.html': INDEX, 'assets/app.js': 'console.log(1)' }) {
  const dir = mkdtempSync(join(tmpdir(), 'dkron-ui-'));
  const root = join(dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return setup({ ui: { root } });
}

describe('GET /', () => {
  it.each([
    [undefined, 303],
    ['text/html,application/xhtml+xml;q=0.9', 303],
    ['*/*', 303],
    ['text/*', 303],
    ['application/json', 404],
  ])('with Accept %s answers %i', async (accept, status) => {
    const { app } = withUi();
    const res = await app.request('/', accept === undefined ? {} : { headers: { Accept: accept } });
    expect(res.status).toBe(status);
    if (status === 303) expect(res.headers.get('Location')).toBe('/ui/');
  });

  it('is a 404 without the UI, whatever Accept says', async () => {
    const { app } = setup();
    expect((await app.request('/', { headers: { Accept: 'text/html' } })).status).toBe(404);
    expect((await app.request('/ui/')).status).toBe(404);
  });
});

describe('/ui/', () => {
  it('redirects /ui to /ui/ so that relative assets resolve', async () => {
    const { app } = withUi();
    const res = await app.request('/ui');
    expect([res.status, res.headers.get('Location')]).toEqual([301, '/ui/']);
  });

  it('renders index.html with the node`s values', async () => {
    const { agent, app } = withUi();
    agent.seedJob({ name: 'a', status: 'success' });
    agent.seedJob({ name: 'b', status: 'failed' });
    agent.seedJob({ name: 'c', status: 'failed' });
    agent.seedJob({ name: 'd', status: '' });
    agent.seedJob({ name: 'e', status: 'partially_failed' });
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
    const { agent, app } = withUi();
    agent.leaderKnown = false;
    agent.failWith = new Error('store down');
    const html = await (await app.request('/ui/')).text();
    expect(html).toContain('window.DKRON_LEADER = "no leader";');
    expect(html).toContain('window.DKRON_TOTAL_JOBS = 0;');
  });

  it('serves assets with their content type', async () => {
    const { app } = withUi();
    const res = await app.request('/ui/assets/app.js');
    expect(res.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('renders index.html for unknown paths', async () => {
    const { app } = withUi();
    for (const path of ['/ui/jobs/a/show', '/ui/assets', '/ui/%00']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('window.DKRON_API_URL = "../v1"');
    }
  });

  it('never serves a file outside the root', async () => {
    const { app } = withUi();
    // The URL parser already folds some of these; whatever reaches the handler must stay inside.
    for (const path of ['/ui/%2e%2e/secret.txt', '/ui/..%2fsecret.txt', '/ui/assets/..%2f..%2fsecret.txt']) {
      const res = await app.request(path);
      expect(await res.text(), path).not.toContain('TOP SECRET');
    }
  });

  it('answers 404 when the UI is not built', async () => {
    const { app } = withUi({});
    const res = await app.request('/ui/');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('helpers', () => {
  it('escapes values so that they cannot close the script', () => {
    expect(renderIndex('x = {{.DKRON_LEADER}}; y = {{.OTHER}}', { DKRON_LEADER: '</script><b>' })).toBe(
      'x = "\\u003c/script>\\u003cb>"; y = {{.OTHER}}',
    );
  });

  it('negotiates like gin (q-values ignored)', () => {
    expect(prefersHtml('application/json, text/html;q=0')).toBe(true);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('')).toBe(true);
  });
});
