/**
 * Drill: SIGTERM while an HTTP client is stalled (headers sent, body never finished), with a job
 * running every second (issue 9, item 8). The shutdown must not wait for the client: scheduling stops
 * first (no run starts after "shutting down"), the stalled connection is cut after the short grace, and
 * the agent stops in order (exit 0, "stopped" logged) instead of being forced out much later.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, stopAllAgents, waitFor } from '../e2e/helpers/index.js';
import { restartAgent } from '../fixtures/lifecycle/helpers.js';
import {
  counts,
  createLedgers,
  gatherTruth,
  type Ledgers,
  printCounts,
  saveJob,
  startDrillAgent,
} from './harness/index.js';

let ledgers: Ledgers;
const dirs: string[] = [];

beforeAll(async () => {
  ledgers = await createLedgers();
});

afterAll(async () => {
  await stopAllAgents();
  await ledgers?.remove();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** The time of the first log line with `msg`, from the agent's JSON logs. */
function loggedAt(logs: string, msg: string): number | undefined {
  const line = logs.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
  const time = line === undefined ? undefined : /"time":"([^"]+)"/.exec(line)?.[1];
  return time === undefined ? undefined : Date.parse(time);
}

describe('drill: SIGTERM with a stalled HTTP client', () => {
  it('stops scheduling first, cuts the stalled client after the grace and stops in order', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dkron-fault-stall-'));
    dirs.push(dataDir);
    const agent = await startDrillAgent({ dataDir });
    const client = api(agent.baseUrl);
    const createdAt = Date.now();
    await saveJob(client, ledgers.job('stall-tick', '@every 1s'));
    await waitFor(async () => (await ledgers.runs('stall-tick')).length >= 5, {
      timeoutMs: 15_000,
      message: 'five runs before the shutdown',
    });

    // Headers of a 1000-byte body, then 4 bytes of it, then nothing.
    const port = Number(new URL(agent.baseUrl).port);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const socketClosed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"na',
    );
    await new Promise((r) => setTimeout(r, 300));

    const termAt = Date.now();
    const exit = await agent.stop('SIGTERM', 30_000);
    const exitedAt = Date.now();
    const cutAt = await Promise.race([
      socketClosed,
      new Promise<number>((r) => setTimeout(() => r(-1), 100)),
    ]);
    const logs = agent.logs();
    const shuttingDownAt = loggedAt(logs, 'shutting down');
    const runs = await ledgers.runs('stall-tick');
    const startedAfter = runs.filter((r) => shuttingDownAt !== undefined && r.startedAt > shuttingDownAt);

    // What the stopped agent recorded, read back through a new agent on the same data dir.
    const after = await restartAgent(agent);
    const until = termAt;
    const c = counts(
      await gatherTruth(
        api(after.baseUrl),
        ledgers,
        [{ name: 'stall-tick', intervalMs: 1_000, createdAt }],
        until,
      ),
      until,
    );
    await after.stop();
    printCounts('shutdown-stalled-client', {
      ...c,
      runsStartedAfterShuttingDown: startedAfter.length,
      exitCode: exit.code ?? -1,
      stopMs: exitedAt - termAt,
      stalledClientCutMs: cutAt === -1 ? -1 : cutAt - termAt,
      stoppedLogged: logs.includes('"msg":"stopped"') ? 1 : 0,
      createdToTermMs: termAt - createdAt,
    });

    expect(shuttingDownAt, 'the agent logs "shutting down"').toBeDefined();
    expect(exit.code).toBe(0);
    expect(logs).toContain('"msg":"stopped"');
    expect(startedAfter, 'no run starts once the shutdown began').toEqual([]);
    expect(c.duplicates).toBe(0);
    expect(c.unrecordedRuns).toBe(0);
    expect(cutAt, 'the stalled connection is closed').toBeGreaterThan(0);
    // The grace is 3 s; the stop waits for nothing else here (the job takes no time).
    expect(exitedAt - termAt).toBeLessThan(10_000);
  });
});
