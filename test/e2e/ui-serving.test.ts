/**
 * The UI flags against the real CLI: `--ui-dir` serving a stand-in of Dkron's own build with Dkron's
 * placeholders, a hostile node name, `--ui-base-path`, `--ui=false`, and member `Port` following
 * `--bind-addr` / `--advertise-addr`.
 */

import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { api, startAgent } from './helpers/index.js';

const STANDIN = new URL('../fixtures/dkron-ui-standin/', import.meta.url).pathname;
const HOSTILE = '</script><script>window.PWNED=1</script><!--';

function globalsOf(html: string): Record<string, unknown> {
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  expect(inline).toHaveLength(1);
  const window: Record<string, unknown> = {};
  runInNewContext(inline[0] ?? '', { window });
  return window;
}

describe('dkron-core agent --ui-dir <Dkron build>', () => {
  it('serves the build with its placeholders filled, escaping a hostile node name', async () => {
    const agent = await startAgent({
      nodeName: HOSTILE,
      args: ['--ui-dir', STANDIN, '--bind-addr', '0.0.0.0:7999', '--advertise-addr', '127.0.0.5:7100'],
    });
    const client = api(agent.baseUrl);
    await client.jobs.save({
      name: 'j1',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: 'true' },
    });

    const root = await fetch(`${agent.baseUrl}/`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    expect([root.status, root.headers.get('location')]).toEqual([303, '/ui/']);
    const json = await fetch(`${agent.baseUrl}/`, { headers: { Accept: 'application/json' } });
    expect(json.status).toBe(404);
    const noSlash = await fetch(`${agent.baseUrl}/ui`, { redirect: 'manual' });
    expect([noSlash.status, noSlash.headers.get('location')]).toEqual([301, '/ui/']);

    for (const path of ['/ui/', '/ui/index.html', '/ui/jobs/j1/show']) {
      const page = await fetch(`${agent.baseUrl}${path}`);
      expect(page.headers.get('content-type'), path).toContain('text/html');
      const globals = globalsOf(await page.text());
      expect(globals, path).toEqual({
        DKRON_API_URL: '../v1',
        DKRON_LEADER: HOSTILE,
        DKRON_TOTAL_JOBS: 1,
        DKRON_SUCCESSFUL_JOBS: 0,
        DKRON_FAILED_JOBS: 0,
        DKRON_UNTRIGGERED_JOBS: 1,
        DKRON_ACL_ENABLED: false,
      });
    }
    const asset = await fetch(`${agent.baseUrl}/ui/assets/index-Dk7rUi01.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const members = await client.get<{ Name: string; Addr: string; Port: number }[]>('/v1/members');
    expect(members.body.map((m) => [m.Name, m.Addr, m.Port])).toEqual([[HOSTILE, '127.0.0.5', 7100]]);
    await agent.stop();
  });

  it('publishes under --ui-base-path and turns the UI off with --ui=false', async () => {
    const prefixed = await startAgent({
      args: ['--ui-dir', STANDIN, '--ui-base-path', '/cron', '--bind-addr', '0.0.0.0:7300'],
    });
    const res = await fetch(`${prefixed.baseUrl}/cron/`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([303, '/cron/ui/']);
    expect(await (await fetch(`${prefixed.baseUrl}/cron/ui/`)).text()).toContain(
      'window.DKRON_API_URL = "../v1";',
    );
    expect((await fetch(`${prefixed.baseUrl}/cron/v1/jobs`)).status).toBe(200);
    const member = (await api(prefixed.baseUrl).get<{ Port: number }[]>('/v1/members')).body[0];
    expect(member?.Port).toBe(7300);
    await prefixed.stop();

    const off = await startAgent({ args: ['--ui=false'] });
    expect((await fetch(`${off.baseUrl}/`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${off.baseUrl}/ui/`)).status).toBe(404);
    await off.stop();
  });

  it('refuses to start with a --ui-dir that holds no index.html', async () => {
    await expect(
      startAgent({ args: ['--ui-dir', '/nonexistent-ui-dir'], healthTimeoutMs: 15_000 }),
    ).rejects.toThrow(/--ui-dir: no index.html in \/nonexistent-ui-dir/);
  });
});
