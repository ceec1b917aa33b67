import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AGENT_OPTIONS } from '../config/options.js';
import { main } from '../index.js';
import { renderDocs } from './doc.js';
import { COMMANDS } from './run-cli.js';
import type { CliContext } from './types.js';

const runAgent = vi.hoisted(() => vi.fn());
vi.mock('../agent/run-agent.js', () => ({ runAgent }));
vi.mock('../plugins/builtin.js', () => ({
  builtinPlugins: () => [{ name: '@dkron-core/executor-shell', apiVersion: 1, setup() {} }],
}));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dkron-cli-'));
  runAgent.mockReset();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(argv: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '', logs: [] as Array<Record<string, unknown>> };
  const context: CliContext & { logOutput: unknown } = {
    env,
    cwd: dir,
    home: dir,
    etcDir: join(dir, 'etc'),
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    logOutput: { pretty: false, destination: { write: (l: string) => out.logs.push(JSON.parse(l)) } },
  };
  return main(argv, context).then((code) => ({ code, ...out }));
}

describe('dispatch and help', () => {
  it('prints the command list without arguments', async () => {
    const r = await run([]);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name} `);
  });

  it('refuses an unknown command with a hint, exit 2', async () => {
    const r = await run(['agnet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'unknown command "agnet" for "dkron-core", did you mean agent? (see dkron-core --help)\n',
    );
  });

  it('shows per-command help with help <cmd>, --help and -h', async () => {
    const a = await run(['help', 'schedule']);
    const b = await run(['schedule', '--help']);
    const c = await run(['schedule', '-h']);
    expect(a.code + b.code + c.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(b.stdout).toBe(c.stdout);
    expect(a.stdout).toContain('-n, --count <n>');
    expect((await run(['help', 'raft', 'remove-peer'])).stdout).toContain('--peer-id <id>');
  });

  it('documents every agent flag with its environment variable', async () => {
    const r = await run(['agent', '--help']);
    expect(r.code).toBe(0);
    for (const o of AGENT_OPTIONS.filter((x) => !x.fileOnly)) expect(r.stdout).toContain(`--${o.name}`);
    expect(r.stdout).toContain('env DKRON_HTTP_ADDR');
    expect(r.stdout).toMatch(
      /--http-addr <addr>\s+address of the HTTP API and web UI \(default :8080; env DKRON_HTTP_ADDR\)/,
    );
    expect(r.stdout).toContain('Config-file keys without a flag:');
    expect(r.stdout).toContain('  plugins ');
  });
});

describe('agent', () => {
  it('exits 2 on an unknown flag', async () => {
    const r = await run(['agent', '--fooo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('unknown flag --fooo (see dkron-core agent --help)\n');
    expect(runAgent).not.toHaveBeenCalled();
  });

  it('exits 2 listing config problems', async () => {
    await writeFile(join(dir, 'dkron.yml'), 'raft-multiplier: 12\n');
    const r = await run(['agent', '--http-addr', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `config file ${join(dir, 'dkron.yml')}: raft-multiplier: must be between 1 and 10, got 12\n` +
        '--http-addr: invalid address "foo" (expected host:port or :port)\n',
    );
  });

  it('hands config, plugins and config path to runAgent and returns its status', async () => {
    await writeFile(
      join(dir, 'plugin.js'),
      'export function p(o) { return { name: "extra", apiVersion: 1, setup() {}, o }; }',
    );
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(
      join(dir, 'dkron.yml'),
      'server: true\nplugins:\n  - name: ./plugin.js\n    options: { a: 1 }\nfoo: 1\n',
    );
    runAgent.mockResolvedValue(0);
    const r = await run(['agent', '--node-name', 'n1'], { DKRON_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(0);
    const [config, options] = runAgent.mock.calls[0] as [Record<string, unknown>, Record<string, unknown>];
    expect(config).toMatchObject({ server: true, nodeName: 'n1', logLevel: 'debug' });
    expect(options.configPath).toBe(join(dir, 'dkron.yml'));
    expect((options.plugins as Array<{ name: string }>).map((p) => p.name)).toEqual([
      '@dkron-core/executor-shell',
      'extra',
    ]);
    expect(r.logs.map((l) => [l.level, l.msg])).toEqual(
      expect.arrayContaining([
        ['info', 'config file loaded'],
        ['warn', `config file ${join(dir, 'dkron.yml')}: unknown key foo ignored`],
        ['info', 'plugin loaded'],
      ]),
    );
    expect(r.logs.every((l) => l.node === 'n1')).toBe(true);
  });

  it('exits 2 naming a bad plugin, before starting the agent', async () => {
    await writeFile(join(dir, 'dkron.json'), JSON.stringify({ plugins: ['./nope.js'] }));
    const r = await run(['agent']);
    expect(r.code).toBe(2);
    expect(runAgent).not.toHaveBeenCalled();
    expect(r.logs.at(-1)).toMatchObject({
      level: 'error',
      msg: `plugin "./nope.js": module not found (paths are relative to ${dir})`,
    });
  });

  it('exits 1 with a readable message when the agent cannot start', async () => {
    runAgent.mockRejectedValue(
      Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8080 }),
    );
    const r = await run(['agent']);
    expect(r.code).toBe(1);
    expect(r.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'cannot listen on 127.0.0.1:8080: port already in use (is another agent running?)',
      }),
    );
  });
});

describe('version and keygen', () => {
  it('prints name, version, plugin API and Node versions', async () => {
    const r = await run(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name: dkron-core\nVersion: \d+\.\d+\.\d+\S*\nPlugin API: 1\nNode: v\d+/);
    expect((await run(['--version'])).stdout).toBe(r.stdout);
  });

  it('prints a fresh base64 key of 16 bytes', async () => {
    const a = (await run(['keygen'])).stdout.trim();
    const b = (await run(['keygen'])).stdout.trim();
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Buffer.from(a, 'base64')).toHaveLength(16);
    expect(a).not.toBe(b);
  });

  it('refuses extra arguments', async () => {
    const r = await run(['keygen', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('unexpected argument "x" (see dkron-core keygen --help)\n');
  });
});

describe('leave and raft', () => {
  it('need the cluster key, exit 2 naming it', async () => {
    for (const argv of [
      ['leave', '--rpc-addr', '10.0.0.1:6868'],
      ['raft', 'list-peers'],
      ['raft', 'remove-peer', '--peer-id', 'n2'],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        "--encrypt (or DKRON_ENCRYPT) is required: the servers accept calls signed with the cluster's key only",
      );
    }
  });

  it('refuses a bad key and remove-peer without --peer-id', async () => {
    const bad = await run(['raft', 'list-peers', '--encrypt', 'short']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--encrypt: must be a base64 key of 16, 24 or 32 bytes');
    const noId = await run(['raft', 'remove-peer', '--encrypt', 'kPpdjphiipNSsjd4QHWbkA==']);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('raft remove-peer: --peer-id is required');
  });

  it('say when nothing answers at --rpc-addr, exit 1', async () => {
    const r = await run([
      'raft',
      'list-peers',
      '--rpc-addr',
      '127.0.0.1:1',
      '--encrypt',
      'kPpdjphiipNSsjd4QHWbkA==',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raft list-peers: 127\.0\.0\.1:1: /);
  });

  it('needs a raft subcommand', async () => {
    expect((await run(['raft'])).code).toBe(2);
    const r = await run(['raft', 'peers']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('unknown command "peers" for "dkron-core raft" (see dkron-core raft --help)\n');
  });
});

describe('doc', () => {
  it('renders a page per command and subcommand from the flag tables', () => {
    const pages = renderDocs(COMMANDS);
    expect(pages.map((p) => p.file)).toEqual([
      'dkron-core.md',
      'dkron-core_agent.md',
      'dkron-core_version.md',
      'dkron-core_keygen.md',
      'dkron-core_schedule.md',
      'dkron-core_doc.md',
      'dkron-core_backup.md',
      'dkron-core_restore.md',
      'dkron-core_acl.md',
      'dkron-core_acl_bootstrap.md',
      'dkron-core_acl_policy.md',
      'dkron-core_acl_policy_apply.md',
      'dkron-core_acl_policy_list.md',
      'dkron-core_acl_policy_delete.md',
      'dkron-core_acl_token.md',
      'dkron-core_acl_token_create.md',
      'dkron-core_acl_token_list.md',
      'dkron-core_acl_token_revoke.md',
      'dkron-core_leave.md',
      'dkron-core_raft.md',
      'dkron-core_raft_list-peers.md',
      'dkron-core_raft_remove-peer.md',
    ]);
    const agent = pages.find((p) => p.file === 'dkron-core_agent.md')?.content ?? '';
    expect(agent).toMatch(
      /^---\ntitle: "dkron-core agent"\nslug: dkron-core_agent\nurl: \/cli\/dkron-core_agent\/\n---\n/,
    );
    for (const o of AGENT_OPTIONS.filter((x) => !x.fileOnly)) expect(agent).toContain(`\`--${o.name}`);
    expect(agent).toContain('| `--rpc-port <port>` | `DKRON_RPC_PORT` | `6868` |');
  });

  it('writes the pages to --dir', async () => {
    const r = await run(['doc', '--dir', 'out']);
    expect(r.code).toBe(0);
    const files = await readdir(join(dir, 'out'));
    expect(files).toHaveLength(22);
    expect(r.stdout).toBe(`wrote 22 pages to ${join(dir, 'out')}\n`);
    expect(await readFile(join(dir, 'out', 'dkron-core.md'), 'utf8')).toContain(
      '[dkron-core agent](dkron-core_agent.md)',
    );
  });
});

describe('schedule', () => {
  it('prints the next fire times, one RFC 3339 time per line', async () => {
    const r = await run(['schedule', '@every 1h', '--from', '2026-01-01T00:00:00Z', '-n', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2026-01-01T01:00:00Z\n2026-01-01T02:00:00Z\n');
  });

  it('uses --tz for the offset', async () => {
    const r = await run([
      'schedule',
      '0 0 12 * * *',
      '--tz',
      'Europe/Paris',
      '--from',
      '2026-01-01T00:00:00Z',
      '-n',
      '1',
    ]);
    expect(r.stdout).toBe('2026-01-01T12:00:00+01:00\n');
  });

  it('exits 2 with the parser message on a bad expression', async () => {
    const r = await run(['schedule', 'every day']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
  });
});

describe('schedule arguments', () => {
  it('exits 2 on a missing expression, a bad --from or a bad -n', async () => {
    expect((await run(['schedule'])).stderr).toBe(
      'missing schedule expression (see dkron-core schedule --help)\n',
    );
    expect((await run(['schedule', '@daily', '--from', 'tomorrow'])).stderr).toBe(
      '--from: "tomorrow" is not an RFC 3339 time such as 2026-01-02T15:04:05Z\n',
    );
    const r = await run(['schedule', '@daily', '-n', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('--count: must be between 1 and 1000, got 0\n');
  });
});
