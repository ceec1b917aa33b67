/**
 * Access control on a real agent, driven through the CLI as an operator would: `acl: {enabled:
 * true}` in the config file, `dkron-core acl bootstrap`, a policy scoping a team to its jobs, a
 * client token, backup and restore with `--token`, revocation, the audit log, and a store that never
 * holds a token's secret.
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentHandle, type Api, api, DKRON_CORE_BIN, startAgent } from './helpers/index.js';

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let agent: AgentHandle;
let work: string;
let management = '';
let ciSecret = '';
let ciAccessor = '';

/** Runs the built CLI with `args`; no `DKRON_*` variable of this process leaks in. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DKRON_')));
  const child = spawn(process.execPath, [DKRON_CORE_BIN, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const addr = () => ['--http-addr', agent.baseUrl];

/** The value of a `Label: value` line of the CLI's token printout. */
function field(output: string, label: string): string {
  const line = output.split('\n').find((l) => l.startsWith(`${label}:`));
  if (!line) throw new Error(`no ${label} line in:\n${output}`);
  return line.slice(label.length + 1).trim();
}

function as(secret: string): Api {
  return api(agent.baseUrl, { headers: { Authorization: `Bearer ${secret}` } });
}

const job = (name: string) => ({
  name,
  schedule: '@manually',
  executor: 'shell',
  executor_config: { command: 'true' },
});

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dkron-e2e-acl-'));
  agent = await startAgent({ config: { acl: { enabled: true } }, args: ['--enable-prometheus'] });
});

afterAll(async () => {
  await agent?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('an agent with acl: {enabled: true}', () => {
  it('refuses every route without a token but /health, with a JSON 401', async () => {
    const anonymous = api(agent.baseUrl);
    for (const path of [
      '/v1/jobs',
      '/v1/members',
      '/metrics',
      '/debug/vars',
      '/v1/audit',
      '/v1/acl/tokens',
    ]) {
      const res = await anonymous.get(path);
      expect(res.status, path).toBe(401);
      expect(res.body, path).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    expect((await anonymous.get('/health')).status).toBe(200);
  });

  it('bootstraps once with `dkron-core acl bootstrap`, printing the secret as Dkron Pro does', async () => {
    const first = await cli(['acl', 'bootstrap', ...addr()]);
    expect(first.code, first.stderr).toBe(0);
    expect(field(first.stdout, 'Name')).toBe('bootstrap');
    expect(field(first.stdout, 'Type')).toBe('management');
    expect(field(first.stdout, 'Accessor ID')).toMatch(/^[0-9a-f-]{36}$/);
    management = field(first.stdout, 'Secret');
    expect(management).toMatch(/^[0-9a-f-]{36}$/);
    const again = await cli(['acl', 'bootstrap', ...addr()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ACL bootstrap already done');
  });

  it('applies a policy and creates a client token with it (--token and DKRON_TOKEN)', async () => {
    const rules = join(work, 'team-a.json');
    await writeFile(
      rules,
      JSON.stringify({
        path: {
          '/v1/jobs': { capabilities: ['list'] },
          '/v1/jobs/team-a-*': { capabilities: ['create', 'read', 'update', 'delete'] },
          '/v1/jobs/team-a-*/run': { capabilities: ['create'] },
        },
      }),
    );
    const applied = await cli([
      'acl',
      'policy',
      'apply',
      '--name',
      'team-a',
      '--rules-file',
      rules,
      ...addr(),
      '--token',
      management,
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe('Policy team-a applied\n');
    const created = await cli(
      ['acl', 'token', 'create', '--name', 'ci', '--type', 'client', '--policy', 'team-a', ...addr()],
      {
        DKRON_TOKEN: management,
      },
    );
    expect(created.code, created.stderr).toBe(0);
    ciSecret = field(created.stdout, 'Secret');
    ciAccessor = field(created.stdout, 'Accessor ID');
    expect(field(created.stdout, 'Policies')).toBe('team-a');
    const listed = await cli(['acl', 'token', 'list', ...addr(), '--token', management]);
    expect(listed.stdout).toContain(ciAccessor);
    expect(listed.stdout).not.toContain(ciSecret);
    const policies = await cli(['acl', 'policy', 'list', ...addr(), '--token', management]);
    expect(policies.stdout).toMatch(/^default\s+yes\s/m);
    expect(policies.stdout).toMatch(/^team-a\s+no\s*$/m);
    const refused = await cli(['acl', 'token', 'list', ...addr(), '--token', ciSecret]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HTTP 403');
  });

  it('scopes the client token to its team`s jobs', async () => {
    const ci = as(ciSecret);
    expect((await ci.jobs.save(job('team-a-etl'))).status).toBe(201);
    expect((await ci.jobs.save(job('team-b-billing'))).status).toBe(403);
    expect((await as(management).jobs.save(job('team-b-billing'))).status).toBe(201);
    const list = await ci.jobs.list();
    expect(list.body.map((j) => j.name)).toEqual(['team-a-etl']);
    expect((await ci.jobs.run('team-a-etl')).status).toBe(200);
    expect((await ci.jobs.run('team-b-billing')).status).toBe(403);
    expect((await ci.get('/metrics')).status).toBe(403);
    expect((await as(management).get('/metrics')).status).toBe(200);
    expect((await as(management).get('/debug/vars')).status).toBe(200);
  });

  it('backs up and restores with --token; without it the CLI says what is missing', async () => {
    const file = join(work, 'backup.json');
    const denied = await cli(['backup', '--file', file, ...addr()]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('HTTP 401');
    expect(denied.stderr).toContain('pass a token with --token or DKRON_TOKEN');
    const saved = await cli(['backup', '--file', file, ...addr(), '--token', management]);
    expect(saved.code, saved.stderr).toBe(0);
    const jobs = JSON.parse(await readFile(file, 'utf8')) as { name: string }[];
    expect(jobs.map((j) => j.name).sort()).toEqual(['team-a-etl', 'team-b-billing']);
    const restored = await cli(['restore', '--file', file, ...addr()], { DKRON_TOKEN: management });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('success create team-b-billing');
    // The team token may not restore a file that names another team's job.
    const scoped = await cli(['restore', '--file', file, ...addr(), '--token', ciSecret]);
    expect(scoped.code).toBe(1);
    expect(scoped.stderr).toContain('HTTP 403');
  });

  it('revokes the client token with `acl token revoke`', async () => {
    const revoked = await cli(['acl', 'token', 'revoke', ciAccessor, ...addr(), '--token', management]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`Token ${ciAccessor} (ci) revoked\n`);
    expect((await as(ciSecret).jobs.list()).status).toBe(401);
  });

  it('audits every change with the token name, source address, action, job and diff', async () => {
    const res =
      await as(management).get<
        { action: string; token: string; job: string; source: string; diff: unknown }[]
      >('/v1/audit?_order=ASC');
    expect(res.status).toBe(200);
    const log = res.body.map((e) => `${e.token} ${e.action} ${e.job}`.trim());
    expect(log).toEqual([
      'anonymous acl.bootstrap',
      'bootstrap acl.policy.apply',
      'bootstrap acl.token.create',
      'ci job.create team-a-etl',
      'bootstrap job.create team-b-billing',
      'ci job.run team-a-etl',
      'bootstrap restore team-a-etl',
      'bootstrap restore team-b-billing',
      'bootstrap acl.token.revoke',
    ]);
    for (const entry of res.body) expect(entry.source).toBe('127.0.0.1');
    const filtered = await as(management).get<unknown[]>('/v1/audit?token=ci');
    expect(filtered.body).toHaveLength(2);
    expect(filtered.headers.get('x-total-count')).toBe('2');
  });

  it('never stores a secret in clear: not in any table, not in any file of the data dir', async () => {
    const tokens = await as(management).get('/v1/acl/tokens');
    expect(tokens.text).not.toContain(management);
    const files: string[] = [];
    for (const entry of await readdir(agent.dataDir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
    }
    expect(files).toEqual(expect.arrayContaining([join(agent.dataDir, 'rqlite', 'db.sqlite')]));
    for (const file of files) {
      const bytes = await readFile(file);
      for (const secret of [management, ciSecret]) {
        expect(bytes.includes(Buffer.from(secret)), `${file} holds a token secret`).toBe(false);
      }
    }
    // What the store holds instead: the SHA-256 of the secret.
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(management).digest('hex');
    const db = await readFile(join(agent.dataDir, 'rqlite', 'db.sqlite')).catch(() => Buffer.alloc(0));
    const wal = await readFile(join(agent.dataDir, 'rqlite', 'db.sqlite-wal')).catch(() => Buffer.alloc(0));
    const raft = await readFile(join(agent.dataDir, 'rqlite', 'raft.db')).catch(() => Buffer.alloc(0));
    expect([db, wal, raft].some((b) => b.includes(Buffer.from(digest)))).toBe(true);
  });
});
