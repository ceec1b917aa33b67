import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { groupAlive, groupMemory, killGroup, systemPageSize } from './process-group.js';

let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.pid !== undefined) killGroup(child.pid);
  child = undefined;
});

async function startGroup(): Promise<number> {
  // A shell leading its own group, with a grandchild: both count towards the group's memory.
  child = spawn('sh', ['-c', 'sleep 30 & echo ready; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await once(child.stdout!, 'data');
  return child.pid!;
}

describe('process groups', () => {
  it('reads the page size from the auxiliary vector', () => {
    const size = systemPageSize();
    expect(size).toBeGreaterThanOrEqual(4096);
    expect(size & (size - 1)).toBe(0);
  });

  it('sums the resident memory of every process of a group', async () => {
    const pgid = await startGroup();
    const usage = await groupMemory(new Set([pgid, 999_999_999]));
    expect(usage.get(pgid)).toBeGreaterThan(0);
    expect(usage.has(999_999_999)).toBe(false);
  });

  it('kills the whole group', async () => {
    const pgid = await startGroup();
    expect(groupAlive(pgid)).toBe(true);
    const closed = once(child!, 'close');
    expect(killGroup(pgid)).toBe(true);
    await closed;
    // The grandchild may linger as a zombie for an instant, but it receives SIGKILL with the group.
    const left = await groupMemory(new Set([pgid]));
    expect(left.get(pgid) ?? 0).toBe(0);
    expect(killGroup(999_999_999)).toBe(false);
  });
});
