import { readdir, readFile, readFileSync } from 'node:fs';

/**
 * Sends SIGKILL to the process group `pgid` (every job runs as the leader of its own group, so this
 * also reaches the grandchildren a shell script started). Returns false when the kill failed, e.g.
 * because the group is already gone.
 */
export function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** True while some process of group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else (a job run with `su` as another user).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let pageSize: number | undefined;

/** The memory page size, read from the auxiliary vector (`AT_PAGESZ`); 4096 when unreadable. */
export function systemPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  pageSize = 4096;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    // Pairs of native unsigned longs: (type, value). AT_PAGESZ is type 6.
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      const type = auxv.readBigUInt64LE(at);
      if (type === 0n) break;
      if (type === 6n) {
        pageSize = Number(auxv.readBigUInt64LE(at + 8));
        break;
      }
    }
  } catch {
    // Not Linux, or /proc is hidden: keep the common default.
  }
  return pageSize;
}

const readText = (path: string): Promise<string | undefined> =>
  new Promise((resolve) =>
    readFile(path, 'latin1', (error, text) => resolve(error === null ? text : undefined)),
  );

// Reading thousands of /proc files at once would occupy libuv's whole thread pool.
const BATCH = 32;

/**
 * Resident memory of every process of the given groups, in bytes, by one scan of `/proc/<pid>/stat`.
 * Groups rather than trees: a job's processes that were re-parented (a daemonising script) stay in
 * the group, and the group is what gets killed. Groups with no process are absent from the result.
 */
export async function groupMemory(pgids: ReadonlySet<number>): Promise<Map<number, number>> {
  const usage = new Map<number, number>();
  const names = await new Promise<string[]>((resolve) =>
    readdir('/proc', (error, list) => resolve(error === null ? list : [])),
  );
  const pids = names.filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
  const bytesPerPage = systemPageSize();
  for (let i = 0; i < pids.length; i += BATCH) {
    const stats = await Promise.all(pids.slice(i, i + BATCH).map((pid) => readText(`/proc/${pid}/stat`)));
    for (const stat of stats) {
      if (stat === undefined) continue;
      // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      if (!pgids.has(pgrp)) continue;
      const rss = Number(fields[21]);
      if (Number.isFinite(rss)) usage.set(pgrp, (usage.get(pgrp) ?? 0) + rss * bytesPerPage);
    }
  }
  return usage;
}
