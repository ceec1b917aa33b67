import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESERVATIONS, reservePort } from './free-port.js';
import { api, freePort, startAgent, stopAllAgents, waitFor } from './index.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-agent.mjs', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('freePort', () => {
  it('never hands out the same port twice', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
  });

  it('reserves each port for one live process: a live owner keeps it, a dead one loses it', async () => {
    const held = await freePort();
    expect(readFileSync(join(RESERVATIONS, String(held)), 'utf8')).toBe(String(process.pid));
    expect(reservePort(held), 'a port this process holds is not handed out again').toBe(false);
    // Ports held by another process, alive then dead.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const [alivePort, deadPort] = [31_990, 31_991];
    try {
      writeFileSync(join(RESERVATIONS, String(alivePort)), String(other.pid));
      expect(reservePort(alivePort), 'held by a live process').toBe(false);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
      rmSync(join(RESERVATIONS, String(alivePort)), { force: true });
    }
    writeFileSync(join(RESERVATIONS, String(deadPort)), String(other.pid));
    expect(reservePort(deadPort), 'taken over from a dead process').toBe(true);
    expect(readFileSync(join(RESERVATIONS, String(deadPort)), 'utf8')).toBe(String(process.pid));
  });
});

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : undefined), { intervalMs: 1 })).toBe(3);
  });

  it('times out naming the condition and the last failure', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('nope');
        },
        { timeoutMs: 30, intervalMs: 5, message: 'job ran' },
      ),
    ).rejects.toThrow(/^waitFor: job ran not met within 30 ms \(last attempt threw nope\)$/);
  });
});

describe('startAgent (with a fake agent)', () => {
  it('starts, waits for /health, passes ports and data dir, stops gracefully', async () => {
    const agent = await startAgent({ bin: FAKE, args: ['--tag', 'x=y'] });
    const health = await api(agent.baseUrl).get<{ status: string }>('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'healthy' } });
    expect(agent.logs()).toContain(`--http-addr 127.0.0.1:${agent.ports.http}`);
    expect(agent.logs()).toContain(`--rqlite-http-port ${agent.ports.rqliteHttp}`);
    expect(agent.logs()).toContain('--tag x=y');
    const childPid = Number(readFileSync(join(agent.dataDir, 'child.pid'), 'utf8'));
    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    expect(agent.logs()).toContain('SIGTERM, stopping');
    await waitFor(() => !alive(childPid), { message: 'grandchild gone' });
  });

  it('kill9 kills the agent; cleanup takes its children', async () => {
    const agent = await startAgent({ bin: FAKE });
    const childPid = Number(readFileSync(join(agent.dataDir, 'child.pid'), 'utf8'));
    expect(await agent.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(childPid), 'the agent alone was killed').toBe(true);
    await stopAllAgents();
    await waitFor(() => !alive(childPid), { message: 'the child taken by cleanup' });
  });

  it('fails with the logs when the agent exits before it is healthy', async () => {
    await expect(startAgent({ bin: FAKE, env: { FAKE_MODE: 'crash' } })).rejects.toThrow(
      /agent exited before it was healthy \(code 3[\s\S]*fake agent: cannot start/,
    );
  });

  it('fails with the logs when /health never answers 200', async () => {
    await expect(
      // Long enough for a loaded machine to start the fake and let it answer 503 at least once.
      startAgent({ bin: FAKE, env: { FAKE_MODE: 'unhealthy' }, healthTimeoutMs: 5000 }),
    ).rejects.toThrow(
      /was not healthy within 5000 ms \(last: status 503[\s\S]*--- agent logs ---\nfake agent starting mode=unhealthy/,
    );
  });

  it('kills an agent that ignores SIGTERM after the timeout, and removes its temp data dir', async () => {
    const agent = await startAgent({ bin: FAKE, env: { FAKE_MODE: 'stubborn' } });
    await expect(agent.stop('SIGTERM', 300)).rejects.toThrow(/did not exit within 300 ms of SIGTERM/);
    expect(existsSync(agent.dataDir)).toBe(false);
  });
});
