/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Functions passed to page.evaluate run in the page, with its DOM.
/**
 * The UI with ACLs on, in headless chromium against a real dkron-core server (`--acl-enabled`): the
 * token sign-in (a bad token refused), a read-only token that sees jobs but no action (and the 403
 * when it forces one), a management token that does everything and finds it in the audit log, the
 * token and policy pages, a team token scoped to its jobs, and a revoked token signed out. axe-core on
 * every new page and screenshots at 1280 and 390 px (test/e2e/ui/screenshots, not committed).
 */

import type { Job } from '@dkron-core/plugin-api';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, startAgent, waitFor } from '../helpers/index.js';
import { type BrowserHandle, launch, openPage, screenshot, seriousViolations } from './browser.js';

const TOKEN_KEY = 'dkron-core.token';
const WAIT = { timeout: 45_000 };

let agent: AgentHandle;
let anonymous: Api;
let admin: Api;
let chrome: BrowserHandle;
let management: string;
let viewer: string;
/** The secret of the team token the token page creates (used by the team test after it). */
let teamSecret = '';
/** Before the first audited change of this file. */
let testStart = '';

beforeAll(async () => {
  testStart = new Date().toISOString();
  // The browser first: when it cannot start, no agent is left running without a handle to stop it.
  chrome = await launch();
  agent = await startAgent({ args: ['--acl-enabled', '--shutdown-timeout', '1s'] });
  anonymous = api(agent.baseUrl);
  const boot = await anonymous.post<{ secret: string }>('/v1/acl/bootstrap');
  expect(boot.status, boot.text).toBe(200);
  management = boot.body.secret;
  admin = api(agent.baseUrl, { headers: { Authorization: `Bearer ${management}` } });
  const reader = await admin.post<{ secret: string }>('/v1/acl/tokens', {
    name: 'viewer',
    type: 'client',
    policies: ['read-only'],
  });
  expect(reader.status, reader.text).toBe(201);
  viewer = reader.body.secret;
  await shellJob('acl-alpha', 'echo hi', { schedule: '0 0 3 * * *' });
  for (const name of ['team-a-etl', 'team-b-billing']) await shellJob(name, 'echo hi');
});

afterAll(async () => {
  await chrome?.close();
  await agent?.stop();
});

function ui(hash: string): string {
  return `${agent.baseUrl}/ui/#${hash}`;
}

async function shellJob(name: string, command: string, extra: Partial<Job> = {}) {
  const res = await admin.jobs.save({
    name,
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command, shell: 'true' },
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
}

/** A page of its own (its own sessionStorage), at `width`, signed in with `secret` when given. */
async function session(browser: Browser, secret?: string, width = 1280) {
  const opened = await openPage(browser, width);
  if (secret) {
    await opened.context.addInitScript(
      ([key, value]) => sessionStorage.setItem(key as string, value as string),
      [TOKEN_KEY, secret],
    );
  }
  return opened;
}

/** Axe (no serious or critical violations) and screenshots at both widths of the current page. */
async function check(page: Page, name: string, secret?: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
  const { page: narrow, context } = await session(chrome.browser, secret, 390);
  await narrow.goto(page.url());
  await narrow.waitForLoadState('networkidle');
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} at 390 px is wider than the screen`).toBeLessThanOrEqual(1);
  expect(await seriousViolations(narrow), `axe on ${name} at 390 px`).toEqual([]);
  await screenshot(narrow, name);
  await context.close();
}

/**
 * The same, for a screen that holds state (an error shown, a secret shown once): the page itself is
 * narrowed to 390 px and back, instead of loading the URL again.
 */
async function checkInPlace(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
  await page.setViewportSize({ width: 390, height: 900 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} at 390 px is wider than the screen`).toBeLessThanOrEqual(1);
  expect(await seriousViolations(page), `axe on ${name} at 390 px`).toEqual([]);
  await screenshot(page, name);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signIn(page: Page, secret: string): Promise<void> {
  await page.getByLabel('Token secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('session').waitFor(WAIT);
}

describe('the web UI with ACLs on', () => {
  it('shows the token sign-in, blanks the counts of the public page and refuses a bad token', async () => {
    const { page, context, problems, external, failed } = await session(chrome.browser);
    await page.goto(`${agent.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return [w.DKRON_ACL_ENABLED, w.DKRON_LEADER, w.DKRON_TOTAL_JOBS];
    });
    expect(globals).toEqual([true, '', 0]);
    await check(page, 'login');

    await page.getByLabel('Token secret').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The server refused this token').waitFor(WAIT);
    expect(await page.getByLabel('Token secret').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    await checkInPlace(page, 'login-refused');
    // The right token: in, and kept for this tab only.
    await signIn(page, viewer);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(viewer);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(failed).toEqual(['401 GET /v1/acl/token/self']);
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await context.close();
  });

  it('lets a read-only token read jobs without a button to change them, and shows the 403 it forces', async () => {
    const { page, context, problems, failed } = await session(chrome.browser);
    await page.goto(ui('/jobs'));
    await signIn(page, viewer);
    await page.getByTestId('session').getByText('viewer').waitFor(WAIT);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Members' }).waitFor(WAIT);
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Dashboard',
      'Jobs',
      'Running',
      'Members',
      'Backup',
    ]);

    await page.getByRole('link', { name: 'acl-alpha', exact: true }).waitFor(WAIT);
    // The token's capabilities on the rows are asked once the rows are there: let that settle.
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('link', { name: 'team-b-billing', exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'New job' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit acl-alpha' }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await check(page, 'jobs-read-only', viewer);

    await page.goto(ui('/jobs/acl-alpha'));
    await page.getByTestId('read-only-note').waitFor(WAIT);
    for (const name of ['Run now', 'Disable', 'Edit', 'Clone', 'Delete']) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
      expect(await page.getByRole('link', { name, exact: true }).count(), name).toBe(0);
    }
    const tabs = page.getByRole('navigation', { name: 'Job sections' });
    expect(await tabs.getByRole('link').allTextContents()).toEqual([
      'Summary',
      'Executions',
      'Next runs',
      'Last day',
      'Dependencies',
    ]);
    await check(page, 'job-read-only', viewer);
    await page.goto(ui('/jobs/acl-alpha?tab=schedule'));
    await page.getByRole('list', { name: /^Next fire times in / }).waitFor(WAIT);
    expect(await page.locator('.fire-times li').count()).toBe(10);

    // A running execution: the reader sees it, with its output, but no Cancel.
    await shellJob('acl-sleepy', 'echo sleeping; sleep 300');
    expect((await admin.jobs.run('acl-sleepy')).status).toBe(200);
    await page.goto(ui('/busy'));
    await page.getByRole('link', { name: 'acl-sleepy' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Output' }).waitFor(WAIT);
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await page.goto(ui('/jobs/acl-sleepy?tab=executions'));
    await page.getByRole('button', { name: 'Live output' }).waitFor(WAIT);
    await page.waitForLoadState('networkidle');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);

    await page.goto(ui('/backup'));
    await page.getByText('This token may not restore jobs').waitFor(WAIT);
    expect(await page.getByLabel('Backup file').count()).toBe(0);

    await page.goto(ui('/'));
    await page.getByRole('heading', { name: 'Cluster members' }).waitFor(WAIT);
    await page.getByTestId('card-Leader').getByText(agent.nodeName).waitFor(WAIT);

    // Forced by URL: the form says the save will be refused, and the server's 403 is shown as such.
    await page.goto(ui('/jobs/acl-alpha/edit'));
    await page.getByTestId('form-not-allowed').getByText('This token may not update the job').waitFor(WAIT);
    await page.getByRole('textbox', { name: 'Display name' }).fill('changed by a reader');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alert')
      .getByText('Not allowed: token "viewer" may not update /v1/jobs/acl-alpha')
      .waitFor(WAIT);
    expect((await admin.jobs.get('acl-alpha')).body.displayname).toBe('');
    await checkInPlace(page, 'job-form-refused');
    await page.goto(ui('/audit'));
    await page.getByRole('alert').getByText('may not list or read /v1/audit').waitFor(WAIT);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(WAIT);
    await page.getByText('Signed out.').waitFor(WAIT);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    // The UI asked nothing the token may not do by itself: the only refusals are the two forced ones.
    expect([...new Set(failed)].sort()).toEqual(['403 GET /v1/audit', '403 POST /v1/jobs']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lets a management token do everything, and shows it in the audit log', async () => {
    const started = testStart;
    const { page, context, problems, failed } = await session(chrome.browser);
    await page.goto(ui('/jobs'));
    await signIn(page, management);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Policies' }).waitFor(WAIT);
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Dashboard',
      'Jobs',
      'Running',
      'Members',
      'Backup',
      'Audit log',
      'Tokens',
      'Policies',
    ]);

    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('ui-acl-made');
    await page.getByRole('textbox', { name: 'Schedule', exact: true }).fill('@manually');
    await page.getByRole('textbox', { name: 'command', exact: true }).fill('echo made-by-admin');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'ui-acl-made' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Run now' }).click();
    await waitFor(async () => (await admin.jobs.executions('ui-acl-made')).body[0]?.status === 'success');
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('button', { name: 'Enable' }).waitFor(WAIT);
    expect((await admin.jobs.get('ui-acl-made')).body.disabled).toBe(true);

    // The execution the reader could not cancel: a management token can, and it is audited.
    await nav.getByRole('link', { name: 'Running' }).click();
    await page.getByRole('link', { name: 'acl-sleepy' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Cancel' }).click(WAIT);
    await page.getByText('Nothing is running right now.').waitFor(WAIT);
    expect((await admin.jobs.executions('acl-sleepy')).body[0]?.status).toBe('cancelled');

    await nav.getByRole('link', { name: 'Audit log' }).click();
    const rows = page.locator('table[aria-label="Audit entries"] > tbody > tr[data-audit]');
    await page.getByLabel('Job filter').fill('ui-acl-made');
    await waitFor(async () => (await rows.count()) === 3);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.audit))).toEqual([
      'job.toggle',
      'job.run',
      'job.create',
    ]);
    for (const text of await rows.allTextContents()) expect(text).toContain('bootstrap');
    await rows
      .last()
      .getByRole('button', { name: /fields/ })
      .click();
    const changes = page.getByRole('table', { name: 'Changes of job.create ui-acl-made' });
    await changes.getByRole('cell', { name: 'executor_config.command' }).waitFor(WAIT);
    await changes.getByRole('cell', { name: 'echo made-by-admin' }).waitFor(WAIT);
    await check(page, 'audit', management);

    await page.getByLabel('Action').selectOption('job.run');
    await waitFor(async () => (await rows.count()) === 1);
    expect(await rows.first().getAttribute('data-audit')).toBe('job.run');
    await page.getByLabel('Job filter').fill('acl-sleepy');
    await page.getByLabel('Action').selectOption('execution.cancel');
    await waitFor(async () => (await rows.count()) === 1);
    expect(await rows.first().textContent()).toContain('bootstrap');
    // The time range: from a minute before the test, all of them; from the future, none.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.goto(ui(`/audit?since=${encodeURIComponent(started)}&size=5`));
    await page.getByText(/^1–5 of \d+$/).waitFor(WAIT);
    const total = Number((await page.getByText(/^1–5 of \d+$/).textContent())?.split(' of ')[1]);
    const all = await admin.get<unknown[]>(`/v1/audit?since=${encodeURIComponent(started)}`);
    expect(total).toBe(all.body.length);
    expect(total).toBeGreaterThan(5);
    expect(await rows.count()).toBe(5);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText(`6–${Math.min(10, total)} of ${total}`).waitFor(WAIT);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await page.goto(ui(`/audit?since=${encodeURIComponent(future)}`));
    await page.getByText('No entry matches.').waitFor(WAIT);
    expect([...new Set(failed)]).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('applies policies and creates a token whose secret is shown once', async () => {
    const { page, context, problems } = await session(chrome.browser, management);
    await page.goto(ui('/acl/policies'));
    await page.locator('tr[data-policy="read-only"]').getByText('built in').waitFor(WAIT);
    await page.getByLabel('Name', { exact: true }).fill('team-a');
    await page.getByLabel('Description').fill('Team A: its own jobs');
    const rules = page.getByLabel('Rules (JSON)');
    const template = await rules.inputValue();
    await rules.fill('{"path": {"/v1/jobs": {"capabilities": ["fly"]}}}');
    await page.getByRole('button', { name: 'Apply policy' }).click();
    await page.locator('#policy-rules-error').getByText('unknown capability "fly"').waitFor(WAIT);
    expect(await rules.getAttribute('aria-invalid')).toBe('true');
    await checkInPlace(page, 'acl-policies-error');
    await rules.fill(template);
    await page.getByRole('button', { name: 'Apply policy' }).click();
    await page.locator('tr[data-policy="team-a"]').waitFor(WAIT);
    const stored = await admin.get<{ rules: unknown }>('/v1/acl/policies/team-a');
    expect(stored.body.rules).toEqual(JSON.parse(template));
    await check(page, 'acl-policies', management);

    await page.goto(ui('/acl/tokens'));
    await page.locator('tr[data-token="viewer"]').waitFor(WAIT);
    await page.getByLabel('Name', { exact: true }).fill('team-a-ci');
    await page.getByRole('checkbox', { name: 'team-a' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^[0-9a-f-]{36}$/);
    await page.locator('tr[data-token="team-a-ci"]').waitFor(WAIT);
    await checkInPlace(page, 'acl-tokens-secret');
    // Only that one answer carried it: the list and a reload never show it again.
    await page.reload();
    await page.locator('tr[data-token="team-a-ci"]').waitFor(WAIT);
    expect(await page.content()).not.toContain(secret);
    expect((await admin.get('/v1/acl/tokens')).text).not.toContain(secret);
    await check(page, 'acl-tokens', management);
    teamSecret = secret;
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a team token its own jobs and actions only, and signs it out once revoked', async () => {
    expect(teamSecret).not.toBe('');
    const team = await session(chrome.browser, teamSecret);
    const { page } = team;
    await page.goto(ui('/jobs'));
    await page.getByRole('link', { name: 'team-a-etl', exact: true }).waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'acl-alpha', exact: true }).count()).toBe(0);
    // Its policy grants create on /v1/jobs/team-a-*: the server says so for a sample name.
    await page.getByRole('link', { name: 'New job' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Edit team-a-etl' }).waitFor(WAIT);

    await page.goto(ui('/jobs/team-a-etl'));
    await page.getByRole('button', { name: 'Run now' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Edit', exact: true }).waitFor(WAIT);
    expect(await page.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    const tabs = page.getByRole('navigation', { name: 'Job sections' });
    expect(await tabs.getByRole('link').allTextContents()).toEqual(['Summary', 'Executions']);
    await page.getByRole('button', { name: 'Run now' }).click();
    await waitFor(async () => (await admin.jobs.executions('team-a-etl')).body.length === 1);

    await page.goto(ui('/'));
    await page.getByText("This token may not read the cluster's members.").waitFor(WAIT);
    await page.getByText('This token may not read statistics.').waitFor(WAIT);
    await check(page, 'dashboard-team', teamSecret);

    await page.goto(ui('/jobs/new'));
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    await name.fill('team-b-sneaky');
    await page.getByTestId('form-not-allowed').getByText('may not create the job').waitFor(WAIT);
    await name.fill('team-a-new');
    await waitFor(async () => (await page.getByTestId('form-not-allowed').count()) === 0);
    await page.getByRole('textbox', { name: 'command', exact: true }).fill('true');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'team-a-new' }).waitFor(WAIT);
    expect((await admin.jobs.get('team-a-new')).status).toBe(200);

    // Revoked by the administrator: the team's open page is signed out at its next request.
    const tokens = await admin.get<{ accessor_id: string; name: string }[]>('/v1/acl/tokens');
    const accessor = tokens.body.find((t) => t.name === 'team-a-ci')?.accessor_id;
    const adminPage = await session(chrome.browser, management);
    await adminPage.page.goto(ui('/acl/tokens'));
    await adminPage.page.getByRole('button', { name: 'Revoke team-a-ci' }).click();
    await adminPage.page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await waitFor(async () => !(await admin.get('/v1/acl/tokens')).text.includes(accessor ?? 'x'));
    await adminPage.context.close();
    await page.goto(ui('/jobs'));
    await page.getByText('The server no longer accepts this token').waitFor(WAIT);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    // Nothing of what the team may not read was asked for (members, stats, busy, other jobs' tabs…).
    expect(team.failed.filter((f) => f.startsWith('403'))).toEqual([]);
    expect(team.failed.filter((f) => f.startsWith('401')).length).toBeGreaterThan(0);
    expect(team.problems).toEqual([]);
    expect(team.external).toEqual([]);
    await team.context.close();
  });

  it('loads the signed-in job list with under 300 KB of compressed JavaScript', async () => {
    const { page, context } = await session(chrome.browser, management);
    const scripts: Promise<number>[] = [];
    page.on('requestfinished', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.sizes().then((s) => s.responseBodySize));
    });
    await page.goto(ui('/jobs'));
    await page.getByRole('link', { name: 'acl-alpha', exact: true }).waitFor(WAIT);
    const bytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    console.log(
      `first load of the job list with ACLs on: ${scripts.length} script(s), ${bytes} bytes of JavaScript on the wire`,
    );
    expect(scripts.length).toBe(1);
    expect(bytes).toBeLessThan(300 * 1024);
    await context.close();
  });
});
