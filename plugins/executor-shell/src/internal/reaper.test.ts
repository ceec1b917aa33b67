import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createReaper, type Reaper } from './reaper.js';

const BUILT = fileURLToPath(new URL('../../dist/internal/reaper.js', import.meta.url));

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

const leftovers: number[] = [];
const reapers: Reaper[] = [];
afterEach(() => {
  for (const r of reapers.splice(0)) r.close();
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A job as the executor runs it: a shell leading its own group, with a grandchild; returns both pids. */
async function startJob(): Promise<{ job: ChildProcess; leader: number; grandchild: number }> {
  const job = spawn('/bin/sh', ['-c', 'sleep 60 & echo $!; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(createInterface({ input: job.stdout! }), 'line')) as [string];
  leftovers.push(job.pid!);
  return { job, leader: job.pid!, grandchild: Number(line) };
}

describe('reaper', () => {
  it('kills every listed group, grandchildren included, when the agent is SIGKILLed', async () => {
    expect(existsSync(BUILT), 'run `tsc -b tsconfig.build.json` first').toBe(true);
    // The "agent": a process that starts a reaper and two jobs, then prints the pids.
    const script = `
      const { spawn } = await import('node:child_process');
      const { createReaper } = await import(${JSON.stringify(BUILT)});
      const reaper = createReaper();
      const pids = [];
      for (let i = 0; i < 2; i++) {
        const job = spawn('/bin/sh', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore' });
        reaper.track(job.pid);
        pids.push(job.pid);
      }
      // A job that ended is taken off the list.
      const done = spawn('true', [], { detached: true, stdio: 'ignore' });
      reaper.track(done.pid);
      done.once('close', () => {
        reaper.untrack(done.pid);
        console.log(JSON.stringify({ jobs: pids, reaper: reaper.pid }));
      });
      setInterval(() => {}, 1000);
    `;
    const agent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: agent.stdout! }), 'line')) as [string];
    const { jobs, reaper } = JSON.parse(line) as { jobs: number[]; reaper: number };
    leftovers.push(...jobs);
    // Each job's shell has a `sleep` child in its group.
    await new Promise((r) => setTimeout(r, 100));
    const members = jobs.flatMap((pgid) => groupMembers(pgid));
    expect(members.length).toBeGreaterThanOrEqual(4);
    expect(members.every(alive)).toBe(true);

    agent.kill('SIGKILL');
    await once(agent, 'exit');
    for (const pid of members) expect(await gone(pid), `pid ${pid}`).toBe(true);
    expect(await gone(reaper)).toBe(true);
  });

  it('forgets untracked groups and kills the listed ones on close', async () => {
    const reaper = createReaper();
    reapers.push(reaper);
    const kept = await startJob();
    const ended = await startJob();
    reaper.track(kept.leader);
    reaper.track(ended.leader);
    reaper.untrack(ended.leader);
    const reaperPid = reaper.pid!;
    reaper.close();
    expect(await gone(kept.leader)).toBe(true);
    expect(await gone(kept.grandchild)).toBe(true);
    expect(await gone(reaperPid)).toBe(true);
    // Untracked: left alone.
    expect(alive(ended.leader)).toBe(true);
    expect(alive(ended.grandchild)).toBe(true);
  });

  it('replaces a reaper that was killed, with the groups still running', async () => {
    const reaper = createReaper();
    reapers.push(reaper);
    const first = await startJob();
    reaper.track(first.leader);
    const old = reaper.pid!;
    process.kill(old, 'SIGKILL');
    expect(await gone(old)).toBe(true);
    while (reaper.pid !== undefined) await new Promise((r) => setTimeout(r, 10));
    const second = await startJob();
    reaper.track(second.leader);
    expect(reaper.pid).not.toBe(old);
    reaper.close();
    for (const pid of [first.leader, first.grandchild, second.leader, second.grandchild]) {
      expect(await gone(pid), `pid ${pid}`).toBe(true);
    }
  });
});

/** Pids whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
