#!/usr/bin/env node
/**
 * What a stranger does with the packed packages, end to end (CI runs it after check-packages.mjs):
 *
 * 1. installs every tarball into an empty folder with npm, and checks that no test tooling (vitest,
 *    vite, rolldown) came with them;
 * 2. runs `npx dkron-core agent --server` there (on free ports), runs the README's seed example
 *    against it with curl, waits for the job to run, then stops it by the pid of `npx` (SIGTERM) and
 *    checks that the agent and its rqlited are gone;
 * 3. checks docs/examples/dkron-core.service with `systemd-analyze verify`, then starts its ExecStart
 *    as systemd would and stops it as KillMode=mixed does (SIGTERM to the main pid);
 * 4. runs docs/examples/Dockerfile without Docker: its instructions are read, the npm install it runs is
 *    run (from the tarballs instead of the registry) in a folder standing for the image's filesystem,
 *    and its ENTRYPOINT and CMD are started with its ENV, health-checked with its HEALTHCHECK and
 *    stopped with its STOPSIGNAL, as `docker run` and `docker stop` do. Not emulated: the base image,
 *    apt-get (the packages it names must be installed here), USER and chown.
 *
 *   node scripts/release/smoke-install.mjs --packs <dir with the .tgz files>
 */

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './rules.mjs';

const { values } = parseArgs({ options: { packs: { type: 'string' }, keep: { type: 'boolean' } } });
if (!values.packs) {
  console.error('usage: smoke-install.mjs --packs <dir with the .tgz files>');
  process.exit(2);
}
const packs = resolve(values.packs);
const tarballs = readdirSync(packs)
  .filter((f) => f.endsWith('.tgz'))
  .map((f) => join(packs, f));
const work = mkdtempSync(join(tmpdir(), 'dkron-core-smoke-'));
const started = new Set();

const log = (message) => console.log(`smoke: ${message}`);
function fail(message) {
  throw new Error(message);
}
function check(ok, message) {
  if (!ok) fail(message);
}

/** The environment of a stranger's shell: no DKRON_* or package-manager variables of ours. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DKRON_') && !key.startsWith('npm_') && !key.startsWith('PNPM_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  fail(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last.message})` : ''}`);
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function childrenOf(pid) {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out === '' ? [] : out.split('\n').map(Number);
}

function duBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Starts a process in a group of its own, collecting its output. */
function start(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c;
  });
  child.stderr.on('data', (c) => {
    output += c;
  });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const handle = { child, exited, logs: () => output };
  started.add(handle);
  void exited.then(() => started.delete(handle));
  return handle;
}

/** The agent's JSON log lines. */
function lines(handle) {
  return handle
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

async function healthy(url, handle) {
  await until(
    `${url}/health`,
    async () => {
      check(handle.child.exitCode === null, `exited early:\n${handle.logs()}`);
      return (await fetch(`${url}/health`)).status === 200;
    },
    60_000,
  );
}

/** Waits for the agent's graceful stop after `signal` to `pid`, then checks nothing of it is left. */
async function expectGracefulStop(handle, agentPid, url, what) {
  const rqlited = lines(handle).find((l) => l.msg === 'embedded rqlite ready')?.pid;
  check(typeof rqlited === 'number', 'no "embedded rqlite ready" line with the rqlited pid');
  await until(`${what}: the agent (pid ${agentPid}) gone`, () => !alive(agentPid), 30_000);
  check(
    lines(handle).some((l) => l.msg === 'stopped'),
    `${what}: the agent did not stop gracefully:\n${handle.logs()}`,
  );
  await until(`${what}: rqlited (pid ${rqlited}) gone`, () => !alive(rqlited), 10_000);
  const refused = await fetch(`${url}/health`).then(
    () => false,
    () => true,
  );
  check(refused, `${what}: ${url} still answers`);
}

async function ports() {
  return { http: await freePort(), rqliteHttp: await freePort(), rqliteRaft: await freePort() };
}

// 1. Install.
async function install() {
  check(tarballs.length > 0, `no .tgz in ${packs}`);
  const app = join(work, 'app');
  mkdirSync(app);
  const began = Date.now();
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', ...tarballs], {
    cwd: app,
    env: cleanEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const mib = (duBytes(join(app, 'node_modules')) / 2 ** 20).toFixed(1);
  log(
    `installed ${tarballs.length} tarballs with npm in ${Math.round((Date.now() - began) / 1000)} s (${mib} MiB)`,
  );
  for (const tooling of ['vitest', 'vite', 'rolldown', '@vitest/runner']) {
    check(!existsSync(join(app, 'node_modules', tooling)), `a server install pulled in ${tooling}`);
  }
  return app;
}

/** The README block with the seed example, each `curl` pointed at `base` instead of localhost:8080. */
function readmeSeed(base) {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .find((b) => b.includes('curl localhost:8080/v1/jobs -XPOST'));
  check(
    block !== undefined,
    'README.md has no sh block with the seed example (curl localhost:8080/v1/jobs -XPOST)',
  );
  const name = /"name":"([^"]+)"/.exec(block)?.[1];
  check(name !== undefined, 'the seed example names no job');
  // One command per `curl`, continuation lines included.
  const commands = block.replaceAll('localhost:8080', base).split(/\n(?=curl )/);
  const create = commands.find((c) => c.includes('-XPOST'));
  const list = commands.find((c) => c.includes('/executions'));
  check(create !== undefined && list !== undefined, 'the seed example creates no job or lists no executions');
  return { create, list, name };
}

// 2. npx dkron-core agent --server, the seed example, stop by pid.
async function npxAgent(app) {
  const p = await ports();
  const url = `http://127.0.0.1:${p.http}`;
  const args = ['dkron-core', 'agent', '--server', '--http-addr', `127.0.0.1:${p.http}`];
  args.push('--rqlite-http-port', String(p.rqliteHttp), '--rqlite-raft-port', String(p.rqliteRaft));
  const agent = start('npx', args, { cwd: app, env: cleanEnv({ HOME: app }) });
  await healthy(url, agent);
  const startedLine = lines(agent).find((l) => l.msg?.startsWith('dkron-core agent started'));
  check(
    startedLine?.dataDir === join(app, 'dkron.data'),
    `data dir not logged as ${join(app, 'dkron.data')}`,
  );
  check(startedLine?.api === `${url}/v1/`, `API URL not logged as ${url}/v1/`);
  const ready = lines(agent).filter((l) => l.msg === 'embedded rqlite ready').length;
  check(ready === 1, `"embedded rqlite ready" logged ${ready} times`);
  log(`npx dkron-core agent --server is healthy at ${url}`);

  const seed = readmeSeed(`127.0.0.1:${p.http}`);
  const first = spawnSync('sh', ['-c', seed.create], { encoding: 'utf8', env: cleanEnv() });
  check(first.status === 0, `the README seed example failed:\n${first.stdout}${first.stderr}`);
  const job = await (await fetch(`${url}/v1/jobs/${seed.name}`)).json();
  check(job.name === seed.name, `the seed job ${seed.name} was not created:\n${first.stdout}`);
  const runs = await until(
    `a successful run of ${seed.name}`,
    async () => {
      const list = await (await fetch(`${url}/v1/jobs/${seed.name}/executions`)).json();
      return list.find((e) => e.success && e.output.trim() !== '') ? list : undefined;
    },
    40_000,
  );
  log(`the README seed job ran: ${JSON.stringify(runs[0].output.trim())}`);
  const again = spawnSync('sh', ['-c', seed.list], { encoding: 'utf8', env: cleanEnv() });
  check(
    again.stdout.includes(`"job_name": "${seed.name}"`),
    `the README's executions command:\n${again.stdout}`,
  );

  // npx runs the bin as `sh -c`; stopping npx's own pid must stop the agent below it.
  const shell = childrenOf(agent.child.pid)[0];
  const node = shell === undefined ? undefined : childrenOf(shell)[0];
  check(node !== undefined, 'could not find the agent below npx');
  process.kill(agent.child.pid, 'SIGTERM');
  await expectGracefulStop(agent, node, url, 'SIGTERM to the pid of npx');
  log('SIGTERM to the pid of npx stopped the agent gracefully, rqlited included');
}

/** systemd's splitting of an Exec line: words, with "…" and '…' quoting. */
function splitExec(line) {
  const words = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/** A unit file's [Service] keys (the last value of each, Environment= collected). */
function readUnit(text) {
  const service = {};
  const env = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (section !== 'Service') continue;
    if (key === 'Environment') {
      for (const word of splitExec(value))
        env[word.slice(0, word.indexOf('='))] = word.slice(word.indexOf('=') + 1);
    } else {
      service[key] = value;
    }
  }
  return { service, env };
}

function seconds(text) {
  const m = /^(\d+)(s|min)?$/.exec(text.trim());
  check(m !== null, `cannot read the duration ${text}`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

// 3. The systemd unit.
async function systemdUnit(app) {
  const source = join(REPO_ROOT, 'docs/examples/dkron-core.service');
  const root = join(work, 'systemd');
  mkdirSync(root);
  // The unit as installed by its own instructions, with the paths pointing into this test's folders.
  const map = (text) =>
    text
      .replaceAll('/usr/bin/node', process.execPath)
      .replaceAll('/opt/dkron-core', app)
      .replaceAll('/var/lib/dkron-core', join(root, 'state'));
  const unitPath = join(root, 'dkron-core.service');
  const text = readFileSync(source, 'utf8');
  writeFileSync(unitPath, map(text));
  const verify = spawnSync('systemd-analyze', ['verify', '--man=false', unitPath], { encoding: 'utf8' });
  check(
    verify.status === 0 && `${verify.stdout}${verify.stderr}`.trim() === '',
    `systemd-analyze verify: exit ${verify.status}\n${verify.stdout}${verify.stderr}`,
  );
  log('systemd-analyze verify docs/examples/dkron-core.service: clean');

  const { service, env } = readUnit(map(text));
  check(service.KillMode === 'mixed', 'the unit must use KillMode=mixed (SIGTERM to the agent only)');
  check(seconds(service.TimeoutStopSec) > 60, 'TimeoutStopSec must exceed the 60s shutdown timeout');
  const p = await ports();
  const url = `http://127.0.0.1:${p.http}`;
  // As a drop-in would: other ports than the defaults, which this shared machine may be using.
  const dropIn = {
    DKRON_HTTP_ADDR: `127.0.0.1:${p.http}`,
    DKRON_RQLITE_HTTP_PORT: String(p.rqliteHttp),
    DKRON_RQLITE_RAFT_PORT: String(p.rqliteRaft),
  };
  const [command, ...args] = splitExec(service.ExecStart);
  mkdirSync(service.WorkingDirectory, { recursive: true }); // StateDirectory=
  const main = start(command, args, {
    cwd: service.WorkingDirectory,
    env: { PATH: process.env.PATH, HOME: service.WorkingDirectory, ...env, ...dropIn },
  });
  await healthy(url, main);
  log(`the unit's ExecStart is healthy at ${url}`);
  process.kill(main.child.pid, service.KillSignal ?? 'SIGTERM');
  const exit = await Promise.race([main.exited, sleep(seconds(service.TimeoutStopSec) * 1000)]);
  check(
    exit?.code === 0,
    `systemctl stop: the main process ended with ${JSON.stringify(exit)}\n${main.logs()}`,
  );
  await expectGracefulStop(main, main.child.pid, url, 'systemctl stop');
  log('systemctl stop (KillMode=mixed: SIGTERM to the main pid) stopped it gracefully');
}

/** A Dockerfile's instructions: `{ op, args }`, continuations joined, comments dropped. */
function readDockerfile(text) {
  const out = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (pending === '' && raw.trim().startsWith('#')) continue;
    if (raw.trim() === '' && pending === '') continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const space = full.indexOf(' ');
    out.push({ op: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

// 4. The Dockerfile, without Docker.
async function dockerfile() {
  const instructions = readDockerfile(readFileSync(join(REPO_ROOT, 'docs/examples/Dockerfile'), 'utf8'));
  const rootfs = join(work, 'rootfs');
  const paths = new Set();
  for (const { op, args } of instructions) {
    if (op === 'WORKDIR') paths.add(args);
    if (op === 'VOLUME') for (const p of JSON.parse(args)) paths.add(p);
  }
  const map = (text) => [...paths].reduce((t, p) => t.replaceAll(p, join(rootfs, p)), text);
  const env = {};
  const argDefaults = {};
  let cwd = rootfs;
  let entrypoint = [];
  let cmd = [];
  let health;
  let stopSignal = 'SIGTERM';
  const expand = (text) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? argDefaults[a ?? b] ?? '');
  for (const { op, args } of instructions) {
    switch (op) {
      case 'FROM': {
        const m = /^node:(\d+)(?:\.(\d+))?[-\w.]*$/.exec(args);
        check(m !== null && Number(m[1]) >= 20, `FROM ${args}: expected a node image of Node.js 20 or later`);
        break;
      }
      case 'ARG': {
        const [name, value = ''] = args.split('=');
        argDefaults[name] = value;
        break;
      }
      case 'WORKDIR':
        cwd = map(args);
        mkdirSync(cwd, { recursive: true });
        break;
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]] = map(m[2].replace(/^"|"$/g, ''));
        break;
      case 'RUN': {
        if (/\bapt-get install\b/.test(args)) {
          const names =
            /install\s+(?:-\S+\s+)*([\w\s.+-]+?)(?:&&|$)/.exec(args)?.[1].trim().split(/\s+/) ?? [];
          for (const name of names) {
            const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
            check(found, `the image installs ${name} with apt-get; install it here too (.ci/run does)`);
          }
          break;
        }
        // The registry has no copy of this commit's packages: install the tarballs instead.
        const run = map(expand(args))
          .replace(/dkron-core@\S+/, tarballs.map((t) => `'${t}'`).join(' '))
          .replace(/&&\s*chown [^&]+/, '')
          .replace(/^\s*chown [^&]+&&/, '');
        const cache = join(work, 'docker-npm-cache');
        const result = spawnSync('sh', ['-c', run], {
          cwd,
          encoding: 'utf8',
          env: cleanEnv({ ...env, npm_config_cache: cache }),
        });
        check(result.status === 0, `RUN ${args}\n${result.stdout}${result.stderr}`);
        break;
      }
      case 'EXPOSE':
        check(args === '8080', `EXPOSE ${args}: the agent listens on 8080 by default`);
        break;
      case 'HEALTHCHECK':
        health = JSON.parse(args.slice(args.indexOf('CMD') + 3).trim());
        break;
      case 'STOPSIGNAL':
        stopSignal = args;
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(args).map(map);
        break;
      case 'CMD':
        cmd = JSON.parse(args).map(map);
        break;
      case 'USER':
      case 'VOLUME':
        break;
      default:
        fail(`Dockerfile: ${op} is not understood by this check`);
    }
  }
  check(env.DKRON_DATA_DIR !== undefined, 'the image sets DKRON_DATA_DIR to its volume');
  check(health !== undefined, 'the image has a HEALTHCHECK');
  log('Dockerfile: instructions read, its npm install run from the tarballs');

  const p = await ports();
  const url = `http://127.0.0.1:${p.http}`;
  // As `docker run -e …` would; the container's own loopback is this machine's, so not :8080.
  const runEnv = {
    PATH: process.env.PATH,
    HOME: cwd,
    ...env,
    DKRON_HTTP_ADDR: `127.0.0.1:${p.http}`,
    DKRON_RQLITE_HTTP_PORT: String(p.rqliteHttp),
    DKRON_RQLITE_RAFT_PORT: String(p.rqliteRaft),
  };
  const [command, ...args] = [...entrypoint, ...cmd];
  const container = start(command, args, { cwd, env: runEnv });
  await healthy(url, container);
  const [hc, ...hcArgs] = health.map((a) => a.replaceAll('127.0.0.1:8080', `127.0.0.1:${p.http}`));
  const probe = spawnSync(hc, hcArgs, { env: runEnv, timeout: 10_000 });
  check(probe.status === 0, `HEALTHCHECK exited ${probe.status}`);
  log(`ENTRYPOINT ${JSON.stringify([...entrypoint, ...cmd])} is healthy; HEALTHCHECK passes`);
  const node = childrenOf(container.child.pid)[0];
  check(node !== undefined, 'no agent below the ENTRYPOINT');
  process.kill(container.child.pid, stopSignal);
  const exit = await Promise.race([container.exited, sleep(90_000)]);
  check(
    exit?.code === 0,
    `docker stop: the container's PID 1 ended with ${JSON.stringify(exit)}\n${container.logs()}`,
  );
  await expectGracefulStop(container, node, url, 'docker stop');
  log(`docker stop (${stopSignal} to PID 1) stopped it gracefully`);
}

try {
  const app = await install();
  await npxAgent(app);
  await systemdUnit(app);
  await dockerfile();
  log('all passed');
} catch (err) {
  console.error(`smoke: FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  for (const handle of started) {
    try {
      process.kill(-handle.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
