/// <reference lib="dom" />
// Functions passed to page.evaluate run in the page, with its DOM.
/**
 * The UI in headless chromium against a real dkron-core server with real shell jobs: create a job
 * through the form and watch its output arrive live, edit it, filter and search the list, bulk actions,
 * cancel a running execution, the job page's tabs, members, backup; axe-core on every page and
 * screenshots at 1280 and 390 px (test/e2e/ui/screenshots, not committed).
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution, Job } from '@dkron-core/plugin-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, startAgent, waitFor } from '../helpers/index.js';
import { type BrowserHandle, launch, openPage, screenshot, seriousViolations } from './browser.js';

let agent: AgentHandle;
let client: Api;
let chrome: BrowserHandle;
let page: Page;
let problems: string[];
let external: string[];
let failed: string[];

const WAIT = { timeout: 45_000 };

beforeAll(async () => {
  // The browser first: when it cannot start, no agent is left running without a handle to stop it.
  chrome = await launch();
  agent = await startAgent({ args: ['--shutdown-timeout', '1s'] });
  client = api(agent.baseUrl);
  ({ page, problems, external, failed } = await openPage(chrome.browser));
});

afterAll(async () => {
  await chrome?.close();
  await agent?.stop();
});

function ui(hash: string): string {
  return `${agent.baseUrl}/ui/#${hash}`;
}

/** Axe (no serious or critical violations) and screenshots at both widths of the current page. */
async function check(name: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
  const url = page.url();
  const { page: narrow, context } = await openPage(chrome.browser, 390);
  await narrow.goto(url);
  await narrow.waitForLoadState('networkidle');
  // Nothing may stick out sideways at phone width (tables scroll inside their panel).
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} at 390 px is wider than the screen`).toBeLessThanOrEqual(1);
  expect(await seriousViolations(narrow), `axe on ${name} at 390 px`).toEqual([]);
  await screenshot(narrow, name);
  await context.close();
}

async function shellJob(name: string, command: string, extra: Partial<Job> = {}) {
  const res = await client.jobs.save({
    name,
    schedule: '@manually',
    executor: 'shell',
    executor_config: { command, shell: 'true' },
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
}

describe('the web UI in chromium', () => {
  it('serves the dashboard at / with the leader and counts', async () => {
    await page.goto(`${agent.baseUrl}/`);
    expect(page.url()).toBe(`${agent.baseUrl}/ui/`);
    await page.getByTestId('card-Leader').getByText(agent.nodeName).waitFor(WAIT);
    await page.getByRole('heading', { name: 'Cluster members' }).waitFor(WAIT);
    await page.getByRole('img', { name: /Executions of the last 30 days/ }).waitFor(WAIT);
    await check('dashboard');
  });

  it('creates a shell job through the form and shows its output live', async () => {
    // The job prints a line, then waits for the test to create a file before printing the second one:
    // the second line can only reach the page over the live stream.
    const gate = join(await mkdtemp(join(tmpdir(), 'dkron-ui-gate-')), 'open');
    await page.goto(ui('/jobs/new'));
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('ui-live');
    await page.getByRole('textbox', { name: 'Display name' }).fill('Live output');
    const schedule = page.getByRole('textbox', { name: 'Schedule', exact: true });
    await schedule.fill('0 30 2 * * 1-5');
    await page.getByTestId('schedule-reading').getByText('at 02:30 on weekdays').waitFor(WAIT);
    await schedule.fill('0 0 25 * * *');
    await page.getByText(/hours: value 25 out of range/).waitFor(WAIT);
    await schedule.fill('@manually');
    await page.getByRole('combobox', { name: 'Timezone' }).fill('Europe/Berlin');
    await page
      .getByRole('textbox', { name: 'command', exact: true })
      .fill(`echo first-line; while [ ! -e ${gate} ]; do sleep 0.1; done; echo second-line`);
    const shell = page.getByRole('checkbox', { name: 'shell', exact: true });
    await shell.click();
    await expect.poll(() => shell.isChecked(), WAIT).toBe(true);
    await check('job-form');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'Live output' }).waitFor(WAIT);
    const stored = await client.jobs.get('ui-live');
    expect(stored.body).toMatchObject({
      schedule: '@manually',
      timezone: 'Europe/Berlin',
      executor: 'shell',
    });
    expect(stored.body.executor_config).toMatchObject({ shell: true });

    await page.goto(ui('/jobs/ui-live?tab=executions'));
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('button', { name: 'Live output' }).click(WAIT);
    const live = page.getByTestId('live-output');
    await live.getByText('first-line').waitFor(WAIT);
    expect(await live.textContent()).not.toContain('second-line');
    await writeFile(gate, '');
    await live.getByText('second-line').waitFor(WAIT);
    await page.getByText('success').first().waitFor(WAIT);
    await screenshot(page, 'job-executions');
    const runs = await client.jobs.executions('ui-live');
    expect(runs.body[0]?.output).toBe('first-line\nsecond-line\n');
  });

  it('edits the job and shows a server validation error next to its field', async () => {
    await page.goto(ui('/jobs/ui-live/edit'));
    await page.getByRole('textbox', { name: 'Display name' }).fill('Live output (edited)');
    await page.getByRole('textbox', { name: 'timeout', exact: true }).fill('soon');
    await page.getByRole('button', { name: 'Save' }).click();
    const field = page.getByRole('textbox', { name: 'timeout', exact: true });
    await page
      .locator('.field .error')
      .getByText(/timeout/i)
      .waitFor(WAIT);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Live output (edited)' }).waitFor(WAIT);
    expect((await client.jobs.get('ui-live')).body.displayname).toBe('Live output (edited)');
    await check('job-summary');
  });

  it('clones a job with a notification rule, loads a long output in full and deletes with confirmation', async () => {
    await page.goto(ui('/jobs/new?clone=ui-live'));
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    await waitFor(async () => (await name.inputValue()) === 'ui-live-copy');
    await name.fill('ui-long');
    await page.getByRole('textbox', { name: 'command', exact: true }).fill('seq 1 400');
    await page.getByRole('combobox', { name: 'Notify on' }).selectOption('always');
    await page.getByRole('textbox', { name: 'Webhook URL' }).fill('http://127.0.0.1:9/hook');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'Live output (edited)' }).waitFor(WAIT);
    const clone = (await client.jobs.get('ui-long')).body;
    expect(clone).toMatchObject({
      displayname: 'Live output (edited)',
      notify: { on: 'always', webhook: 'http://127.0.0.1:9/hook' },
    });
    expect(clone.executor_config).toMatchObject({ command: 'seq 1 400' });

    await client.jobs.run('ui-long');
    await waitFor(async () => (await client.jobs.executions('ui-long')).body[0]?.status === 'success');
    await page.goto(ui('/jobs/ui-long?tab=executions'));
    await page.getByRole('button', { name: 'Output' }).click(WAIT);
    const output = page.getByTestId('execution-output');
    // The list carries the last 200 bytes; "Load full output" fetches the whole of it.
    expect(await output.textContent()).not.toContain('\n1\n2\n');
    await page.getByRole('button', { name: 'Load full output' }).click();
    await waitFor(async () => (await output.textContent())?.startsWith('1\n2\n3\n') === true);
    expect((await output.textContent())?.trimEnd().endsWith('400')).toBe(true);

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete ui-long?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await client.jobs.get('ui-long')).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(/#\/jobs$/, WAIT);
    expect((await client.jobs.get('ui-long')).status).toBe(404);
  });

  it('searches and filters the job list on the server', async () => {
    await shellJob('ui-alpha', 'true', { metadata: { team: 'red' } });
    await shellJob('ui-beta', 'true', { metadata: { team: 'blue' }, disabled: true });
    await shellJob('ui-gamma', 'false', { displayname: 'Gamma ray' });
    await page.goto(ui('/jobs'));
    const rows = page.locator('table[aria-label="Jobs"] tbody tr');
    await page.getByRole('link', { name: 'ui-gamma', exact: true }).waitFor(WAIT);
    await page.getByLabel('Search jobs').fill('Gamma');
    await waitFor(
      async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('ui-gamma'),
    );
    await page.getByLabel('Search jobs').fill('');
    await page.getByLabel('Metadata filter').fill('team=blue');
    await waitFor(
      async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('ui-beta'),
    );
    await page.getByLabel('Metadata filter').fill('');
    await page.getByLabel('Enabled').selectOption('true');
    await waitFor(
      async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('ui-beta'),
    );
    await page.getByLabel('Enabled').selectOption('');
    await page.getByLabel('Executor').selectOption('shell');
    await waitFor(async () => (await rows.count()) === 4);
    await page.getByLabel('Status').selectOption('success');
    await waitFor(
      async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes('ui-live'),
    );
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('button', { name: /^Schedule/ }).click();
    await page
      .getByRole('columnheader', { name: /Schedule/ })
      .and(page.locator('[aria-sort="ascending"]'))
      .waitFor(WAIT);
    await check('jobs');
  });

  it('runs, toggles and deletes in bulk, and clears the selection after each', async () => {
    await page.goto(ui('/jobs?q=ui-'));
    await page.getByRole('link', { name: 'ui-alpha', exact: true }).waitFor(WAIT);
    await page.getByLabel('Select ui-alpha').check();
    await page.getByLabel('Select ui-gamma').check();
    await page.getByText('2 selected').waitFor(WAIT);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByText('Run: 2 of 2 jobs').waitFor(WAIT);
    expect(await page.getByText('2 selected').count()).toBe(0);
    expect(await page.getByLabel('Select ui-alpha').isChecked()).toBe(false);
    await waitFor(async () => (await client.jobs.executions('ui-alpha')).body.length === 1);
    await waitFor(async () => (await client.jobs.executions('ui-gamma')).body.length === 1);

    await page.getByLabel('Select ui-beta').check();
    await page.getByRole('button', { name: 'Toggle' }).click();
    await page.getByText('Toggle: 1 of 1 job').waitFor(WAIT);
    expect((await client.jobs.get('ui-beta')).body.disabled).toBe(false);

    await page.getByLabel('Select ui-beta').check();
    await page.getByLabel('Select ui-gamma').check();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 2 jobs?' });
    await dialog.waitFor(WAIT);
    await check('jobs-confirm-delete');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Delete: 2 of 2 jobs').waitFor(WAIT);
    expect((await client.jobs.get('ui-beta')).status).toBe(404);
    expect((await client.jobs.get('ui-gamma')).status).toBe(404);
    expect((await client.jobs.get('ui-alpha')).status).toBe(200);
  });

  it('cancels a running execution from the job page and from the running list', async () => {
    await shellJob('ui-sleepy', 'echo sleeping; sleep 60', { concurrency: 'forbid' });
    await page.goto(ui('/jobs/ui-sleepy?tab=executions'));
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('button', { name: 'Run anyway (force)' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Cancel' }).click(WAIT);
    await page.getByText('cancelled', { exact: true }).first().waitFor(WAIT);
    const [cancelled] = (await client.jobs.executions('ui-sleepy')).body as Execution[];
    expect(cancelled?.status).toBe('cancelled');

    await client.jobs.run('ui-sleepy');
    await page.goto(ui('/busy'));
    await page.getByRole('link', { name: 'ui-sleepy' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Output' }).click();
    await page.getByTestId('live-output').getByText('sleeping').waitFor(WAIT);
    await check('busy');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Nothing is running right now.').waitFor(WAIT);
    const statuses = ((await client.jobs.executions('ui-sleepy')).body as Execution[]).map((e) => e.status);
    expect(statuses).toEqual(['cancelled', 'cancelled']);
  });

  it('shows next fire times with DST marked, the slots of the last day and the dependency graph', async () => {
    // At 02:30 on the 1st of every other month in New York: ten runs span 20 months, so both DST changes.
    await shellJob('ui-parent', 'true', { schedule: '0 30 2 1 */2 *', timezone: 'America/New_York' });
    await shellJob('ui-child', 'true', { parent_job: 'ui-parent' });
    await page.goto(ui('/jobs/ui-parent?tab=schedule'));
    await page.getByRole('list', { name: 'Next fire times in America/New_York' }).waitFor(WAIT);
    expect(await page.locator('.fire-times li').count()).toBe(10);
    const notes = await page.getByRole('note').allTextContents();
    expect(notes.length).toBeGreaterThanOrEqual(2);
    expect(notes.join('\n')).toMatch(/Clocks go forward[^\n]*−05:00 → −04:00[^\n]*skipped/);
    expect(notes.join('\n')).toMatch(/Clocks go back[^\n]*−04:00 → −05:00[^\n]*twice/);
    await check('job-next-runs');

    await page.goto(ui('/jobs/ui-parent?tab=dependencies'));
    await page.getByRole('link', { name: 'Job ui-child' }).click(WAIT);
    await page.getByRole('heading', { name: 'ui-child' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Job ui-parent' }).waitFor(WAIT);
    await check('job-dependencies');

    await shellJob('ui-every', 'true', { schedule: '@every 1s' });
    await waitFor(async () => (await client.jobs.executions('ui-every')).body.length >= 2);
    await page.goto(ui('/jobs/ui-every?tab=slots'));
    await page.getByRole('list', { name: 'Slots, oldest first' }).waitFor(WAIT);
    await page.locator('.slot.ran').first().waitFor(WAIT);
    await check('job-slots');
    await client.jobs.toggle('ui-every');
  });

  it('lists the members, exports and imports jobs, and switches to the dark theme', async () => {
    await page.goto(ui('/members'));
    await page.getByRole('cell', { name: agent.nodeName }).waitFor(WAIT);
    await page.getByText('leader', { exact: true }).waitFor(WAIT);
    await check('members');

    await page.goto(ui('/backup'));
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export jobs' }).click();
    const file = await (await download).path();
    expect(file).toBeTruthy();
    await client.jobs.delete('ui-alpha');
    await page.getByLabel('Backup file').setInputFiles(file as string);
    await page.getByText('success create ui-alpha').waitFor(WAIT);
    expect((await client.jobs.get('ui-alpha')).status).toBe(200);
    await check('backup');

    await page.goto(ui('/'));
    await page.getByLabel('Theme').selectOption('dark');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByTestId('card-Leader').getByText(agent.nodeName).waitFor(WAIT);
    expect(await seriousViolations(page), 'axe in the dark theme').toEqual([]);
    await screenshot(page, 'dashboard-dark');
    await page.goto(ui('/jobs/ui-live'));
    await page.getByRole('heading', { name: 'Live output (edited)' }).waitFor(WAIT);
    await screenshot(page, 'job-summary-dark');
    await page.getByLabel('Theme').selectOption('light');
  });

  it('works from the keyboard: skip link, tabs and actions', async () => {
    await page.goto(ui('/jobs/ui-live'));
    await page.getByRole('heading', { name: 'Live output (edited)' }).waitFor(WAIT);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Tab to the Executions tab and open it with Enter.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.textContent)) === 'Executions') break;
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/tab=executions/, WAIT);
    await page.getByRole('table', { name: 'Executions' }).waitFor(WAIT);
  });

  it('loads the job list with under 300 KB of compressed JavaScript', async () => {
    const { page: fresh, context } = await openPage(chrome.browser);
    const scripts: Promise<number>[] = [];
    fresh.on('requestfinished', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.sizes().then((s) => s.responseBodySize));
    });
    await fresh.goto(ui('/jobs'));
    await fresh.getByRole('link', { name: 'ui-live', exact: true }).waitFor(WAIT);
    const bytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    console.log(
      `first load of the job list: ${scripts.length} script(s), ${bytes} bytes of JavaScript on the wire`,
    );
    expect(scripts.length).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(300 * 1024);
    await context.close();
  });

  it('made no request outside the server and logged no errors', () => {
    expect(external).toEqual([]);
    expect(problems).toEqual([]);
    // The only refused requests are the ones the tests provoked: the bad schedule typed into the form
    // (a preview), and the bad timeout saved.
    expect([...new Set(failed)].sort()).toEqual(['400 GET /v1/schedule/preview', '400 POST /v1/jobs']);
  });
});
