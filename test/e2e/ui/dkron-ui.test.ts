/// <reference lib="dom" />
/**
 * `--ui-dir` pointed at a build of Dkron's own UI works unchanged in a browser: a stand-in of Dkron's
 * ui-dist (its index.html placeholders, a hashed asset, its data provider's API URL) served to chromium
 * by a node whose name tries to break out of the inline script; and, with ACLs on, the same build shows
 * its token sign-in and reads the API with `Authorization: Bearer`.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent } from '../helpers/index.js';
import { type BrowserHandle, launch, openPage } from './browser.js';

const STANDIN = new URL('../../fixtures/dkron-ui-standin/', import.meta.url).pathname;
const HOSTILE = '</script><script>window.PWNED=1</script><img/src=x/onerror=window.PWNED=2>';

let agent: AgentHandle;
let secured: AgentHandle;
let chrome: BrowserHandle;

beforeAll(async () => {
  // The browser first: when it cannot start, no agent is left running without a handle to stop it.
  chrome = await launch();
  [agent, secured] = await Promise.all([
    startAgent({ nodeName: HOSTILE, args: ['--ui-dir', STANDIN] }),
    startAgent({ config: { acl: { enabled: true } }, args: ['--ui-dir', STANDIN] }),
  ]);
  await api(agent.baseUrl).jobs.save({
    name: 'from-dkron-ui',
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command: 'true' },
  });
});

afterAll(async () => {
  await chrome?.close();
  await Promise.all([agent?.stop(), secured?.stop()]);
});

it("runs Dkron's UI build with the values filled and the hostile name inert", async () => {
  const { page, problems, external } = await openPage(chrome.browser);
  await page.goto(`${agent.baseUrl}/`);
  await page.locator('#jobs').waitFor({ timeout: 30_000 });
  expect(await page.locator('#leader').textContent()).toBe(`Leader: ${HOSTILE}`);
  expect(await page.locator('#total').textContent()).toBe('Total Jobs: 1');
  expect(await page.locator('#acl').textContent()).toBe('ACL: false');
  expect(await page.locator('#jobs').textContent()).toBe('Jobs (1): from-dkron-ui');
  expect(await page.evaluate(() => (window as unknown as { PWNED?: number }).PWNED)).toBeUndefined();
  expect(await page.locator('img').count()).toBe(0);
  expect(problems).toEqual([]);
  expect(external).toEqual([]);
});

it("shows Dkron's UI build its token sign-in with ACLs on, and the API answers it with the token", async () => {
  const boot = await api(secured.baseUrl).post<{ secret: string }>('/v1/acl/bootstrap');
  expect(boot.status, boot.text).toBe(200);
  const admin = api(secured.baseUrl, { headers: { Authorization: `Bearer ${boot.body.secret}` } });
  const saved = await admin.jobs.save({
    name: 'behind-acl',
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command: 'true' },
  });
  expect(saved.status, saved.text).toBe(201);

  const { page, problems, external, failed } = await openPage(chrome.browser);
  await page.goto(`${secured.baseUrl}/`);
  await page.locator('#login').waitFor({ timeout: 30_000 });
  expect(await page.locator('#acl').textContent()).toBe('ACL: true');
  // The page is public: it names no leader and counts no job before sign-in.
  expect(await page.locator('#leader').textContent()).toBe('Leader: ');
  expect(await page.locator('#total').textContent()).toBe('Total Jobs: 0');
  expect(await page.locator('#jobs').count()).toBe(0);

  await page.getByLabel('Access Token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign In' }).click();
  await page.locator('#jobs').getByText('error: 401').waitFor({ timeout: 30_000 });
  await page.getByLabel('Access Token').fill(boot.body.secret);
  await page.getByRole('button', { name: 'Sign In' }).click();
  await page.locator('#jobs').getByText('Jobs (1): behind-acl').waitFor({ timeout: 30_000 });
  expect(failed).toEqual(['401 GET /v1/jobs']);
  expect(problems).toEqual([]);
  expect(external).toEqual([]);
});
