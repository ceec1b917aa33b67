import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  launchedByPackageManager,
  launcherChain,
  type ProcessStat,
  readProcStat,
  watchLauncher,
} from './launcher.js';

/** A process table: pid → stat. */
function table(entries: Record<number, Partial<ProcessStat> & { ppid: number; comm: string }>) {
  const procs = new Map<number, ProcessStat>(
    Object.entries(entries).map(([pid, s]) => [Number(pid), { state: 'S', startTime: `t${pid}`, ...s }]),
  );
  return {
    procs,
    read: (pid: number) => procs.get(pid),
  };
}

// npm (300) -> sh (200) -> agent (100), as `npx dkron-core agent` runs it.
const NPX = { 300: { ppid: 1, comm: 'npm exec dkron-' }, 200: { ppid: 300, comm: 'sh' } };
const ENV = { npm_lifecycle_event: 'npx', npm_command: 'exec' };

afterEach(() => {
  vi.useRealTimers();
});

describe('launcherChain', () => {
  it('walks up through shells to the package manager', () => {
    expect(launcherChain(200, table(NPX).read)).toEqual([
      { pid: 200, comm: 'sh', startTime: 't200' },
      { pid: 300, comm: 'npm exec dkron-', startTime: 't300' },
    ]);
  });

  it('stops at the first process that is not a shell', () => {
    const t = table({ 50: { ppid: 1, comm: 'bash' }, 40: { ppid: 50, comm: 'node' } });
    expect(launcherChain(40, t.read).map((p) => p.pid)).toEqual([40]);
  });

  it('never includes init', () => {
    const t = table({ 200: { ppid: 1, comm: 'sh' } });
    expect(launcherChain(200, t.read).map((p) => p.pid)).toEqual([200]);
  });
});

describe('launchedByPackageManager', () => {
  it('reads the variables npm, pnpm and yarn set', () => {
    expect(launchedByPackageManager({ npm_lifecycle_event: 'npx' })).toBe(true);
    expect(launchedByPackageManager({ npm_execpath: '/usr/lib/node_modules/pnpm/bin/pnpm.cjs' })).toBe(true);
    expect(launchedByPackageManager({ npm_lifecycle_event: '' })).toBe(false);
    expect(launchedByPackageManager({ HOME: '/root' })).toBe(false);
  });
});

describe('watchLauncher', () => {
  function watch(t: ReturnType<typeof table>, env: Record<string, string> = ENV, parent = () => 200) {
    vi.useFakeTimers();
    const gone: { pid: number; comm: string }[] = [];
    const w = watchLauncher({
      env,
      ppid: parent,
      read: t.read,
      intervalMs: 1000,
      onGone: (g) => gone.push(g),
    });
    return { w, gone };
  }

  it('reports the package manager gone while the shell lives on (npm SIGKILLed)', () => {
    const t = table(NPX);
    const { w, gone } = watch(t);
    expect(w.watched.map((p) => p.pid)).toEqual([200, 300]);
    vi.advanceTimersByTime(5000);
    expect(gone).toEqual([]);
    t.procs.delete(300);
    vi.advanceTimersByTime(1000);
    expect(gone).toEqual([{ pid: 300, comm: 'npm exec dkron-' }]);
    vi.advanceTimersByTime(5000);
    expect(gone).toHaveLength(1);
  });

  it('reports the parent gone when the agent is re-parented (npm forwarded SIGTERM; sh died)', () => {
    const t = table(NPX);
    let parent = 200;
    const { gone } = watch(t, ENV, () => parent);
    parent = 1;
    vi.advanceTimersByTime(1000);
    expect(gone).toEqual([{ pid: 200, comm: 'sh' }]);
  });

  it('counts a zombie or a recycled pid as gone', () => {
    const zombie = table(NPX);
    const a = watch(zombie);
    zombie.procs.set(300, { ppid: 1, comm: 'npm exec dkron-', state: 'Z', startTime: 't300' });
    vi.advanceTimersByTime(1000);
    expect(a.gone.map((g) => g.pid)).toEqual([300]);
    a.w.stop();

    const recycled = table(NPX);
    const b = watch(recycled);
    recycled.procs.set(200, { ppid: 300, comm: 'sh', state: 'S', startTime: 'later' });
    vi.advanceTimersByTime(1000);
    expect(b.gone.map((g) => g.pid)).toEqual([200]);
  });

  it('watches nothing when no package manager started the agent (systemd, nohup, a plain shell)', () => {
    const t = table(NPX);
    const { w, gone } = watch(t, {});
    expect(w.watched).toEqual([]);
    t.procs.clear();
    vi.advanceTimersByTime(5000);
    expect(gone).toEqual([]);
  });

  it('watches nothing when the parent is init already', () => {
    const { w } = watch(table(NPX), ENV, () => 1);
    expect(w.watched).toEqual([]);
  });

  it('stops checking once stopped', () => {
    const t = table(NPX);
    const { w, gone } = watch(t);
    w.stop();
    t.procs.clear();
    vi.advanceTimersByTime(5000);
    expect(gone).toEqual([]);
  });
});

describe.runIf(process.platform === 'linux')('readProcStat', () => {
  it('reads this process and a child whose name has spaces and parentheses', async () => {
    const self = readProcStat(process.pid);
    expect(self).toMatchObject({ ppid: process.ppid, state: expect.stringMatching(/^[RS]$/) });
    // The command name comes from the file name: a link to sleep called `a (b) c`.
    const dir = mkdtempSync(join(tmpdir(), 'dkron-stat-'));
    const odd = join(dir, 'a (b) c');
    symlinkSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(readProcStat(child.pid as number)).toMatchObject({ ppid: process.pid, comm: 'a (b) c' });
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise((r) => child.once('exit', r));
    expect(readProcStat(2 ** 22 + 7)).toBeUndefined();
  });
});
