/** biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${env:…}` is the reference syntax. */
/**
 * The findings of issue 14, tried against a real agent as an attacker would: a web page on another
 * origin, anyone who can reach the port, another local user. Each test failed before the fix.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, startAgent, waitFor } from './helpers/index.js';

const EVIL = 'https://evil.example';
const MAIL_PASSWORD = 'hunter2-mail-secret';
const HOOK_TOKEN = 'hook-s3cret-token';
const JOB_SECRET = 'from-the-agent-env';
const PLAIN_SECRET = 'plain-db-p4ss';

let agent: AgentHandle;
let client: Api;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'dkron-e2e-attack-'));
  agent = await startAgent({
    args: [
      '--mail-host',
      '127.0.0.1',
      '--mail-port',
      '2525',
      '--mail-password',
      MAIL_PASSWORD,
      `--webhook-headers=Authorization: Bearer ${HOOK_TOKEN}`,
    ],
    env: { E2E_JOB_SECRET: JOB_SECRET },
  });
  client = api(agent.baseUrl);
});

afterAll(async () => {
  await agent?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a web page on another origin', () => {
  it('cannot create and run a shell job with a simple text/plain POST', async () => {
    const ledger = join(scratch, 'pwned');
    const job = {
      name: 'pwn',
      schedule: '@manually',
      executor: 'shell',
      executor_config: { command: `id > ${ledger}`, shell: 'true' },
    };
    // What `fetch(url, {method: 'POST', mode: 'no-cors', body: JSON.stringify(job)})` sends.
    const res = await fetch(`${agent.baseUrl}/v1/jobs?runoncreate=true`, {
      method: 'POST',
      body: JSON.stringify(job),
      headers: {
        'Content-Type': 'text/plain;charset=UTF-8',
        Origin: EVIL,
        'Sec-Fetch-Site': 'cross-site',
        'Sec-Fetch-Mode': 'no-cors',
      },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // The same body without the browser's headers is still refused: it is not JSON.
    const plain = await fetch(`${agent.baseUrl}/v1/jobs?runoncreate=true`, {
      method: 'POST',
      body: JSON.stringify(job),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    });
    expect(plain.status).toBe(415);
    expect((await client.jobs.get('pwn')).status).toBe(404);
    // A run would have written the ledger within milliseconds; the job does not exist, so none can come.
    expect(existsSync(ledger)).toBe(false);
  });

  it('cannot make the agent leave', async () => {
    const res = await fetch(`${agent.baseUrl}/v1/leave`, {
      method: 'POST',
      headers: { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect((await client.get('/health')).status).toBe(200);
    expect(agent.proc.exitCode).toBeNull();
  });
});

describe('GET /debug/vars', () => {
  it('shows the command line without the values of secret flags', async () => {
    const res = await client.get<{ cmdline: string[] }>('/debug/vars');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(MAIL_PASSWORD);
    expect(res.text).not.toContain(HOOK_TOKEN);
    expect(res.body.cmdline).toEqual(expect.arrayContaining(['--mail-password', '[redacted]']));
    expect(res.body.cmdline).toContain('--webhook-headers=[redacted]');
    expect(res.body.cmdline).toContain('--mail-host');
  });

  it('cannot be read by a page on another origin', async () => {
    const res = await fetch(`${agent.baseUrl}/debug/vars`, { headers: { Origin: EVIL } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the store', () => {
  it("lives in a data directory only the agent's user can read (0700 / 0600)", async () => {
    const entries = await readdir(agent.dataDir, { withFileTypes: true, recursive: true });
    const paths = [agent.dataDir, ...entries.map((e) => join(e.parentPath, e.name))];
    expect(paths).toEqual(expect.arrayContaining([join(agent.dataDir, 'rqlite', 'db.sqlite')]));
    const loose: string[] = [];
    for (const path of paths) {
      const mode = (await stat(path)).mode & 0o777;
      if ((mode & 0o077) !== 0) loose.push(`${path} ${mode.toString(8)}`);
    }
    expect(loose).toEqual([]);
  });

  it('answers no SQL without the credentials the agent generated', async () => {
    const res = await fetch(`http://127.0.0.1:${agent.ports.rqliteHttp}/db/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([["UPDATE jobs SET doc = '{}'"]]),
    });
    expect(res.status).toBe(401);
  });
});

describe('secrets in a job', () => {
  it('run resolved from references and plain text, and are shown as references or masked', async () => {
    const ledger = join(scratch, 'secrets');
    const job = {
      name: 'uses-secrets',
      schedule: '@manually',
      executor: 'shell',
      executor_config: {
        command: `printf '%s|%s' "$FROM_ENV" "$DB_PASSWORD" > ${ledger}`,
        shell: 'true',
        env: `FROM_ENV=\${env:E2E_JOB_SECRET},DB_PASSWORD=${PLAIN_SECRET}`,
      },
    };
    expect((await client.jobs.save(job)).status).toBe(201);
    const shown = await client.jobs.get('uses-secrets');
    expect(shown.text).not.toContain(PLAIN_SECRET);
    expect(shown.body.executor_config?.env).toBe('FROM_ENV=${env:E2E_JOB_SECRET},DB_PASSWORD=********');
    // Saved back as shown (what a UI form does): the stored secret stays.
    expect(
      (await client.put('/v1/jobs/uses-secrets', { ...shown.body, displayname: 'Uses secrets' })).status,
    ).toBe(201);
    expect((await client.jobs.run('uses-secrets')).status).toBe(200);
    const written = await waitFor(() => readFile(ledger, 'utf8').catch(() => undefined), {
      message: 'the job wrote its ledger',
    });
    expect(written).toBe(`${JOB_SECRET}|${PLAIN_SECRET}`);
    const audit = await client.get('/v1/audit?job=uses-secrets');
    expect(audit.status).toBe(200);
    expect(audit.text).not.toContain(PLAIN_SECRET);
    expect(audit.text).not.toContain(JOB_SECRET);
  });
});
