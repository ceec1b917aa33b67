/// <reference lib="dom" />
/**
 * `--ui-dir` pointed at a build of Dkron's own UI works unchanged in a browser: a stand-in of Dkron's
 * ui-dist (its index.html placeholders, a hashed asset, its data provider's API URL) served to chromium
 * by a node whose name tries to break out of the inline script.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AgentHandle, api, startAgent } from '../helpers/index.js';
import { type BrowserHandle, launch, openPage } from './browser.js';

const STANDIN = new URL('../../fixtures/dkron-ui-standin/', import.meta.url).pathname;
const HOSTILE = '</script><script>window.PWNED=1</script><img/src=x/onerror=window.PWNED=2>';

let agent: AgentHandle;
let chrome: BrowserHandle;

beforeAll(async () => {
  [agent, chrome] = await Promise.all([
    startAgent({ nodeName: HOSTILE, args: ['--ui-dir', STANDIN] }),
    launch(),
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
  await agent?.stop();
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
