/**
 * Bootstrap safety: three servers started together with --bootstrap-expect 3 --join, on fresh data
 * directories, never show two leaders, from the first answer of any of them until the cluster has formed and
 * a while after. Repeated BOOTSTRAP_STARTS times (default 2; run it with 20 to stress it).
 */

import { describe, expect, it } from 'vitest';
import {
  type AgentHandle,
  CLUSTER_KEY,
  health,
  type PlannedServer,
  planServers,
  runCli,
  startServer,
  stopAllAgents,
  waitFor,
} from './helpers/index.js';

const STARTS = Number(process.env.BOOTSTRAP_STARTS ?? 2);
/** How long the leaders are watched after all three serve. Longer than a lease (3 s) and a renewal. */
const WATCH_AFTER_MS = 4_000;

/** Polls every server's /health until `done`, recording every moment at which two or more said they lead. */
function watchLeaders(plan: readonly PlannedServer[], done: () => boolean) {
  const seen = { samples: 0, both: [] as string[][], leaders: new Set<string>() };
  const finished = (async () => {
    while (!done()) {
      const answers = await Promise.all(
        plan.map(async (p) => ({ name: p.name, h: await health(`http://127.0.0.1:${p.ports.http}`) })),
      );
      const leading = answers.filter((a) => a.h?.leader).map((a) => a.name);
      seen.samples++;
      for (const name of leading) seen.leaders.add(name);
      if (leading.length > 1) seen.both.push(leading);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { seen, finished };
}

async function raftView(via: PlannedServer): Promise<{ ids: string[]; leader: string | undefined }> {
  const r = await runCli(['raft', 'list-peers', '--rpc-addr', via.rpcAddr, '--encrypt', CLUSTER_KEY]);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/));
  return {
    ids: rows.map((row) => row[0] as string).sort(),
    leader: rows.find((row) => row[3] === 'leader')?.[0],
  };
}

describe(`three servers bootstrapping together (${STARTS} starts)`, () => {
  for (let start = 1; start <= STARTS; start++) {
    it(`start ${start}: one leader, never two`, { timeout: 240_000 }, async () => {
      const plan = await planServers(['b1', 'b2', 'b3']);
      let stop = false;
      const { seen, finished } = watchLeaders(plan, () => stop);
      try {
        const servers: AgentHandle[] = await Promise.all(plan.map((p) => startServer(p, plan)));
        await waitFor(async () => seen.leaders.size > 0, { message: 'a leader', timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, WATCH_AFTER_MS));
        stop = true;
        await finished;
        expect(seen.both).toEqual([]);
        expect(seen.leaders.size).toBe(1);
        expect(seen.samples).toBeGreaterThan(10);
        expect(servers).toHaveLength(3);
        // One Raft group: every server's rqlited lists the same three voters and the same Raft leader.
        const views = await Promise.all(plan.map((p) => raftView(p)));
        for (const view of views) expect(view).toEqual(views[0]);
        expect(views[0]?.ids).toEqual(['b1', 'b2', 'b3']);
      } finally {
        stop = true;
        await finished;
        await stopAllAgents();
      }
    });
  }
});
