import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type DkronError, isDkronError } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RqliteExit, resolveRqlited, startEmbeddedRqlite } from './embedded-rqlite.js';
import { findSetpriv } from './internal/death-guard.js';
import { createRqliteClient, type RqliteClient } from './rqlite-client.js';
import {
  freePorts,
  isAlive,
  startTestRqlite,
  type TestRqlite,
  tempDir,
  waitForPidGone,
} from './test-support/helpers.js';

const PARENT_SCRIPT = fileURLToPath(new URL('./test-support/embedded-parent.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('embedded rqlited: lifecycle', () => {
  let node: TestRqlite;
  let client: RqliteClient;

  beforeAll(async () => {
    node = await startTestRqlite();
    client = createRqliteClient({ url: node.rqlite.url, credentials: node.rqlite.credentials });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await node?.cleanup();
  });

  it('starts on loopback, answers /readyz, and reports how long the start took', async () => {
    expect(node.rqlite.url).toBe(`http://127.0.0.1:${node.httpPort}`);
    expect(node.rqlite.pid).toBeTypeOf('number');
    expect(isAlive(node.rqlite.pid!)).toBe(true);
    expect(node.rqlite.startupMs).toBeGreaterThan(0);
    const { username, password } = node.rqlite.credentials;
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    expect((await fetch(`${node.rqlite.url}/readyz`, { headers: { authorization } })).status).toBe(200);
    expect((await fetch(`${node.rqlite.url}/readyz`)).status).toBe(401);
    expect(existsSync(`${node.dataDir}/rqlite`)).toBe(true);
    await client.execute([['CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)']]);
    await client.execute([['INSERT INTO kv (k, v) VALUES (?, ?)', 'before-crash', 'kept']]);
  });

  it('restarts rqlited after kill -9 and keeps its data', async () => {
    const oldPid = node.rqlite.pid!;
    const exited = new Promise<RqliteExit>((resolve) => {
      const off = node.rqlite.onExit((exit) => {
        off();
        resolve(exit);
      });
    });
    process.kill(oldPid, 'SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL', willRestart: true });
    await node.rqlite.ready();
    expect(node.rqlite.pid).toBeTypeOf('number');
    expect(node.rqlite.pid).not.toBe(oldPid);
    expect(node.rqlite.restarts).toBe(1);
    const [result] = await client.query([['SELECT v FROM kv WHERE k = ?', 'before-crash']]);
    expect(result?.rows).toEqual([{ v: 'kept' }]);
  });

  it.runIf(process.platform === 'linux')('runs rqlited in a process group of its own (Ctrl-C)', () => {
    const pgid = (pid: number) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    };
    const pid = node.rqlite.pid!;
    expect(pgid(pid)).toBe(pid);
    expect(pgid(pid)).not.toBe(pgid(process.pid));
  });

  it('writes rqlited output to <dataDir>/rqlited.log', async () => {
    const log = await readFile(`${node.dataDir}/rqlited.log`, 'utf8');
    expect(log).toMatch(/rqlite/);
  });
});

/** A logger that keeps the `delay` of every "restarting" warning. */
function restartDelays() {
  const delays: number[] = [];
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn(message: string, fields?: Record<string, unknown>) {
      if (message.startsWith('rqlited exited unexpectedly')) delays.push(Number(fields?.delay));
    },
  };
  return { delays, logger };
}

/** Kills the current rqlited with SIGKILL and resolves on its exit. */
async function crash(rqlite: TestRqlite['rqlite']): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    const off = rqlite.onExit(() => {
      off();
      resolve();
    });
  });
  process.kill(rqlite.pid!, 'SIGKILL');
  await exited;
}

describe('embedded rqlited: restart backoff', () => {
  it('restarts after the base delay every time a child that was ready dies (kill -9 five times in a row)', async () => {
    const { delays, logger } = restartDelays();
    const node = await startTestRqlite({ logger });
    try {
      for (let i = 0; i < 5; i++) {
        await crash(node.rqlite);
        await node.rqlite.ready();
      }
      expect(node.rqlite.restarts).toBe(5);
      expect(delays).toHaveLength(5);
      // Base 200 ms with equal jitter: 100-200 ms. Without the reset the fifth waited 1.6-3.2 s.
      for (const delay of delays) expect(delay).toBeLessThanOrEqual(200);
    } finally {
      await node.cleanup();
    }
  }, 60_000);

  it('backs off further for each child that dies before it is ready, and starts over once one is', async () => {
    const dir = await tempDir('backoff');
    const marker = `${dir.path}/fail-now`;
    const wrapper = `${dir.path}/rqlited-wrapper`;
    const real = await resolveRqlited();
    // While the marker exists, "rqlited" exits at once (a crash loop); otherwise it is the real one.
    await writeFile(wrapper, `#!/bin/sh\n[ -e '${marker}' ] && exit 3\nexec '${real}' "$@"\n`, {
      mode: 0o755,
    });
    const { delays, logger } = restartDelays();
    const node = await startTestRqlite({ logger, rqlitedPath: wrapper });
    try {
      await writeFile(marker, '');
      await crash(node.rqlite);
      // The first restart, then two more attempts that die at once.
      while (delays.length < 3) await new Promise<void>((resolve) => node.rqlite.onExit(() => resolve()));
      expect(delays[0]).toBeLessThanOrEqual(200);
      expect(delays[1]).toBeGreaterThanOrEqual(200);
      expect(delays[2]).toBeGreaterThanOrEqual(400);
      await rm(marker);
      await node.rqlite.ready();
      const before = delays.length;
      await crash(node.rqlite);
      await node.rqlite.ready();
      expect(delays[before]).toBeLessThanOrEqual(200);
    } finally {
      await node.cleanup();
    }
  }, 60_000);
});

describe('embedded rqlited: a log file that cannot be written (full disk)', () => {
  it('keeps running rqlited and says so once, instead of dying of an unhandled ENOSPC', async () => {
    const dir = await tempDir('logfull');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    // /dev/full answers every write with ENOSPC, as a full disk does.
    await symlink('/dev/full', `${dir.path}/rqlited.log`);
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn(message: string, fields?: Record<string, unknown>) {
        warnings.push(`${message} ${String(fields?.code)}`);
      },
    };
    const rqlite = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort, logger });
    const client = createRqliteClient({ url: rqlite.url, credentials: rqlite.credentials });
    try {
      // A restart makes rqlited write again.
      const exited = new Promise<void>((resolve) => rqlite.onExit(() => resolve()));
      process.kill(rqlite.pid!, 'SIGKILL');
      await exited;
      await rqlite.ready();
      await client.execute([['CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY)']]);
      expect(warnings.filter((w) => w.startsWith('cannot write the rqlited log'))).toEqual([
        'cannot write the rqlited log; dropping its output until it can ENOSPC',
      ]);
    } finally {
      await client.close();
      await rqlite.stop();
      await dir.remove();
    }
  }, 60_000);
});

describe('embedded rqlited: stop and start again', () => {
  it('stops with SIGTERM, reports the exit, and serves the same data after a new start', async () => {
    const dir = await tempDir('restart');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    try {
      const first = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort });
      const exits: RqliteExit[] = [];
      first.onExit((exit) => exits.push(exit));
      const pid = first.pid!;
      const client = createRqliteClient({ url: first.url, credentials: first.credentials });
      await client.execute([
        ['CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)'],
        ['INSERT INTO kv (k, v) VALUES (?, ?)', 'a', 'durable'],
      ]);
      await first.stop();
      await first.stop();
      expect(exits).toEqual([{ code: 0, signal: null, willRestart: false }]);
      expect(first.pid).toBeUndefined();
      expect(isAlive(pid)).toBe(false);

      const second = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort });
      try {
        const [result] = await client.query([['SELECT v FROM kv WHERE k = ?', 'a']]);
        expect(result?.rows).toEqual([{ v: 'durable' }]);
      } finally {
        await client.close();
        await second.stop();
      }
      await expect(second.ready()).rejects.toThrow(/stopped/);
    } finally {
      await dir.remove();
    }
  }, 60_000);
});

describe('embedded rqlited: start failures', () => {
  it('says when the HTTP port is in use', async () => {
    const dir = await tempDir('busy');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(httpPort, '127.0.0.1', resolve));
    try {
      const error = await startEmbeddedRqlite({ dataDir: dir.path, httpPort, raftPort }).catch(
        (e: unknown) => e,
      );
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toBe(`rqlited HTTP port 127.0.0.1:${httpPort} is already in use`);
    } finally {
      blocker.close();
      await dir.remove();
    }
  });

  it('says when there is no rqlited binary', async () => {
    const dir = await tempDir('nobinary');
    try {
      const error = await startEmbeddedRqlite({ dataDir: dir.path, rqlitedPath: `${dir.path}/none` }).catch(
        (e: unknown) => e,
      );
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toMatch(
        new RegExp(`^no rqlited binary for ${process.platform}-${process.arch}`),
      );
    } finally {
      await dir.remove();
    }
  });

  it('fails the start with the output of an rqlited that exits at once', async () => {
    const dir = await tempDir('crash');
    const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
    const fake = `${dir.path}/fake-rqlited`;
    await writeFile(fake, '#!/bin/sh\necho "fatal: cannot open database" >&2\nexit 1\n', { mode: 0o755 });
    try {
      const error = await startEmbeddedRqlite({
        dataDir: dir.path,
        httpPort,
        raftPort,
        rqlitedPath: fake,
      }).catch((e: unknown) => e);
      expect(isDkronError(error, 'UNAVAILABLE')).toBe(true);
      expect((error as DkronError).message).toBe(
        'rqlited exited during start; its last output:\nfatal: cannot open database',
      );
    } finally {
      await dir.remove();
    }
  });
});

/** Starts the parent script with `guard`, returns the parent and the pid of its rqlited. */
async function startParent(guard: 'setpriv' | 'watchdog', dataDir: string) {
  const [httpPort, raftPort] = (await freePorts(2)) as [number, number];
  const parent = spawn(
    process.execPath,
    [PARENT_SCRIPT, dataDir, String(httpPort), String(raftPort), guard],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: parent.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { parent, rqlitedPid: (JSON.parse(line) as { pid: number }).pid };
}

// setpriv (util-linux) exists on every Linux this runs on (.ci/run installs it); elsewhere there is none.
describe.each([
  { guard: 'setpriv' as const, platform: 'linux' },
  { guard: 'watchdog' as const, platform: process.platform },
])('embedded rqlited: a SIGKILLed parent leaves no rqlited behind ($guard)', ({ guard, platform }) => {
  it.runIf(process.platform === platform)(
    'kills rqlited when its parent dies',
    async () => {
      if (guard === 'setpriv') expect(findSetpriv(), 'setpriv with --pdeathsig (util-linux)').not.toBeNull();
      expect(
        existsSync(BUILT),
        'the parent runs the built package: run `tsc -b tsconfig.build.json` first',
      ).toBe(true);
      const dir = await tempDir(`orphan-${guard}`);
      let rqlitedPid: number | undefined;
      try {
        const started = await startParent(guard, dir.path);
        rqlitedPid = started.rqlitedPid;
        expect(isAlive(rqlitedPid)).toBe(true);
        const parentExit = once(started.parent, 'exit');
        started.parent.kill('SIGKILL');
        await parentExit;
        expect(await waitForPidGone(rqlitedPid, 5_000)).toBe(true);
      } finally {
        if (rqlitedPid !== undefined && isAlive(rqlitedPid)) process.kill(rqlitedPid, 'SIGKILL');
        await dir.remove();
      }
    },
    30_000,
  );
});
