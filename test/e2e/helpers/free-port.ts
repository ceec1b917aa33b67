import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports for test agents, free and reserved across processes: vitest runs e2e files in parallel worker
 * processes, and other test runs may share the machine, so "free right now" is not enough (another
 * process can be handed the same port before an agent binds it). Ports come from 20000–31999, below
 * Linux's ephemeral range (32768+), so no `listen(0)` or outgoing connection takes them meanwhile, and
 * each one is reserved with a file in a shared directory, created exclusively and holding the owner's
 * pid. A reservation lasts until the process exits (a restarted agent gets its ports again); one whose
 * owner died is taken over.
 */

/** The shared directory of reservations: one file per port, named by it, holding the owner's pid. */
export const RESERVATIONS = join(tmpdir(), 'dkron-core-test-ports');
const FIRST = 20_000;
const COUNT = 12_000;
const mine = new Set<number>();

function ownerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserves `port` for this process; false when another live process holds it. Exported for tests. */
export function reservePort(port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true });
  const file = join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      mine.add(port);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (ownerAlive(owner)) return false;
    try {
      unlinkSync(file); // a dead process's reservation
    } catch {
      // someone else took it over first
    }
  }
  return false;
}

process.once('exit', () => {
  for (const port of mine) {
    try {
      unlinkSync(join(RESERVATIONS, String(port)));
    } catch {
      // gone already
    }
  }
});

/** Whether `port` can be bound on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 and reserved for this process until it exits (see the module comment). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * COUNT);
    if (mine.has(port) || !reservePort(port)) continue;
    if (await bindable(port)) return port;
    // Bound by something that does not use reservations: keep it reserved so nobody here tries it again.
  }
  throw new Error('freePort: no free port after 200 attempts');
}
