/**
 * docs/clustering.md, followed: the commands of its `sh` blocks run as written (the built CLI, real curl),
 * with only what a single machine needs changed: `sN.internal` becomes 127.0.0.1 and its planned ports, each
 * server gets a free port set and a data dir. What the page shows (the `raft list-peers` table, `leave`'s
 * answer) is checked against what the commands print.
 */

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  api,
  type PlannedServer,
  planServers,
  runCli,
  startAgent,
  waitFor,
} from '../e2e/helpers/index.js';

const run = promisify(execFile);
const DOC = fileURLToPath(new URL('../../docs/clustering.md', import.meta.url));
const text = await readFile(DOC, 'utf8');

/** The fenced blocks of `lang`, each as its lines. */
function blocks(lang: string): string[][] {
  const found: string[][] = [];
  const fence = new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const m of text.matchAll(fence)) found.push((m[1] as string).trimEnd().split('\n'));
  return found;
}

const commands = blocks('sh').flat();

/** The one command of the page starting with `prefix`. */
function command(prefix: string): string {
  const matching = commands.filter((c) => c.startsWith(prefix));
  expect(matching, `one command starting with "${prefix}" in docs/clustering.md`).toHaveLength(1);
  return matching[0] as string;
}

/** Splits a command line as sh would: words, '…' and "…" (only "$KEY" is expanded). */
function words(line: string, key: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    out.push(m[1] ?? (m[2] as string | undefined)?.replaceAll('$KEY', key) ?? (m[3] as string));
  }
  return out;
}

let key = '';
const plan = new Map<string, PlannedServer>();
const servers = new Map<string, AgentHandle>();

/** `sN.internal[:port]` → this machine's address of server sN for that port. */
function localize(word: string): string {
  return word.replace(/\b(s\d)\.internal(?::(\d+))?/g, (_all, name: string, port?: string) => {
    const p = plan.get(name);
    if (!p) throw new Error(`the page names ${name}, which is not planned`);
    const local =
      port === '8080'
        ? p.ports.http
        : port === '4002'
          ? p.ports.rqliteRaft
          : port === undefined || port === '6868'
            ? p.ports.rpc
            : undefined;
    if (local === undefined) throw new Error(`no local port for ${name}.internal:${port}`);
    return `127.0.0.1:${local}`;
  });
}

/** Starts the page's `agent` command of `name` (its flags after `agent --server`, localized). */
async function startFromPage(name: string): Promise<AgentHandle> {
  const argv = words(command(`dkron-core agent --server --node-name ${name} `), key);
  expect(argv.slice(0, 3)).toEqual(['dkron-core', 'agent', '--server']);
  const flags = argv
    .slice(3)
    .map((w, i, all) => (all[i - 1] === '--advertise-addr' ? '127.0.0.1' : localize(w)));
  const p = plan.get(name) as PlannedServer;
  const handle = await startAgent({
    nodeName: name,
    ports: p.ports,
    healthTimeoutMs: 120_000,
    args: [...flags, '--bind-addr', '127.0.0.1:8946'],
  });
  servers.set(name, handle);
  return handle;
}

async function cliFromPage(prefix: string) {
  const argv = words(command(prefix), key).map(localize);
  expect(argv[0]).toBe('dkron-core');
  return runCli(argv.slice(1));
}

async function curlFromPage(prefix: string): Promise<string> {
  const argv = words(command(prefix), key).map((w) =>
    w.replace(/^http:\/\/(s\d\.internal:8080)/, (_a, h: string) => `http://${localize(h)}`),
  );
  expect(argv[0]).toBe('curl');
  const { stdout } = await run('curl', argv.slice(1), { timeout: 15_000 });
  return stdout;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('docs/clustering.md', () => {
  it('forms the three-server cluster it describes, and shows what it says', {
    timeout: 300_000,
  }, async () => {
    const keygen = await runCli(['keygen']);
    expect(keygen.code).toBe(0);
    key = keygen.stdout.trim();
    for (const p of await planServers(['s1', 's2', 's3', 's4'])) plan.set(p.name, p);

    await Promise.all(['s1', 's2', 's3'].map((name) => startFromPage(name)));

    const members = JSON.parse(await curlFromPage('curl -s http://s2.internal:8080/v1/members')) as {
      Name: string;
    }[];
    expect(members.map((m) => m.Name).sort()).toEqual(['s1', 's2', 's3']);

    const peers = await cliFromPage('dkron-core raft list-peers');
    expect(peers.code, peers.stderr).toBe(0);
    const shown = blocks('text').find((b) => b[0]?.startsWith('Node  ID')) as string[];
    const columns = (line: string) => line.split(/\s+/);
    const printed = peers.stdout.trimEnd().split('\n');
    // Padded to the widest cell: the column names, not the spaces, are the page's.
    expect(columns(printed[0] as string)).toEqual(columns(shown[0] as string));
    // Rows as the page shows them, with this machine's addresses; which server is the Raft leader varies.
    const expected = shown.slice(1).map((l) => columns(localize(l)));
    const got = printed.slice(1).map(columns);
    const withoutState = (rows: string[][]) => rows.map((r) => [r[0], r[1], r[2], r[4]].join(' ')).sort();
    expect(withoutState(got)).toEqual(withoutState(expected));
    expect(got.filter((r) => r[3] === 'leader')).toHaveLength(1);

    const saved = JSON.parse(await curlFromPage('curl -s http://s3.internal:8080/v1/jobs -XPOST')) as {
      name: string;
    };
    expect(saved.name).toBe('job1');
    const s1 = servers.get('s1') as AgentHandle;
    await waitFor(async () => (await api(s1.baseUrl).jobs.get('job1')).status === 200, {
      message: 's1 lists job1',
    });
  });

  it('adds s4, removes it dead with raft remove-peer, and lets a new s4 leave', {
    timeout: 300_000,
  }, async () => {
    const first = await startFromPage('s4');
    await first.kill9();
    const removed = await cliFromPage('dkron-core raft remove-peer');
    expect(removed).toMatchObject({ code: 0, stdout: 'removed peer s4\n' });
    const s4 = plan.get('s4') as PlannedServer;
    await waitFor(async () => (await portFree(s4.ports.rqliteRaft)) && portFree(s4.ports.rqliteHttp), {
      message: "the killed s4's rqlited ports free",
    });

    await startFromPage('s4');
    const left = await cliFromPage('dkron-core leave');
    expect(text).toContain(`it answers\n\`${left.stdout.trim()}\``);
    expect(left.code).toBe(0);
    expect(await (servers.get('s4') as AgentHandle).exited).toEqual({ code: 0, signal: null });
    const peers = await cliFromPage('dkron-core raft list-peers');
    expect(
      peers.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(['s1', 's2', 's3']);
  });
});
