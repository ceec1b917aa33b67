// The topologies of the cluster benchmark, in one place so another (servers on embedded rqlited joining
// each other) drops in: each starts every process with the no-op executor fixture loaded (each node
// appending to its own run ledger) and returns the same handle.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, startServer } from './harness.mjs';
import { startRqliteCluster } from './rqlite-cluster.mjs';

const PLUGIN = fileURLToPath(new URL('../../fixtures/bench-plugins/noop-executor.mjs', import.meta.url));

/** The tag every job targets (`run:1`: one of the nodes carrying it, chosen at random per run). */
export const RUN_TAG = { key: 'bench', value: 'run' };

export const TOPOLOGIES = {
  /** One server on its embedded rqlited running the jobs itself: the baseline. */
  single: startSingle,
  /** 3 rqlited (one Raft group) + 3 servers sharing it with `--rqlite-url` + 2 plain agents over gRPC. */
  'rqlite-url': startRqliteUrl,
};

/**
 * Starts topology `kind` with node files in `dir`. The handle: `kind`, `servers` and `agents` (harness
 * handles, by node name in `nodeName`), `ledgers` (every node's ledger file), `processes()` (name -> pid of
 * every process, for sampling), `leader()` (the server every live server agrees leads), `killLeader()` and
 * `restart(name)` (cluster topologies only), `stop()`.
 */
export function startTopology(kind, options) {
  const start = TOPOLOGIES[kind];
  if (!start)
    throw new Error(
      `unknown topology ${kind}; known: ${Object.keys(TOPOLOGIES).join(', ')} (servers on embedded rqlited joining each other are not in this build: add them to TOPOLOGIES in test/bench/lib/cluster-topology.mjs)`,
    );
  return start(options);
}

function nodeConfig(dir, name, maxExecutions) {
  return {
    plugins: [
      {
        name: PLUGIN,
        factory: 'noopExecutor',
        options: { stamp: true, ledger: join(dir, `${name}.ledger`) },
      },
    ],
    'max-executions-per-job': maxExecutions,
  };
}

const tagArgs = ['--tag', `${RUN_TAG.key}=${RUN_TAG.value}`];

async function startSingle({ dir, maxExecutions }) {
  const server = await startServer({
    nodeName: 'single',
    config: nodeConfig(dir, 'single', maxExecutions),
    args: tagArgs,
  });
  const rqlited = await server.rqlitedPid();
  return {
    kind: 'single',
    servers: [server],
    agents: [],
    ledgers: [join(dir, 'single.ledger')],
    processes: () => ({ single: server.pid, 'single/rqlited': rqlited }),
    leader: async () => server,
    killLeader: () => Promise.reject(new Error('the single-node topology has no failover')),
    restart: () => Promise.reject(new Error('the single-node topology has no failover')),
    stop: () => server.stop(),
  };
}

async function startRqliteUrl({ dir, maxExecutions }) {
  const rqlite = await startRqliteCluster(3);
  const serverNames = ['s1', 's2', 's3'];
  const startOne = (name) =>
    startServer({
      nodeName: name,
      config: nodeConfig(dir, name, maxExecutions),
      args: ['--rqlite-url', rqlite.flag, '--bootstrap-expect', '3', '--shutdown-timeout', '5s'],
    });
  // Together: with --bootstrap-expect 3 no server is healthy before the three have registered.
  const servers = await Promise.all(serverNames.map(startOne));
  const joins = servers.flatMap((s) => ['--join', `127.0.0.1:${s.ports.rpc}`]);
  const agents = await Promise.all(
    ['a1', 'a2'].map((name) =>
      startServer({
        server: false,
        nodeName: name,
        config: nodeConfig(dir, name, maxExecutions),
        args: [...joins, ...tagArgs, '--shutdown-timeout', '5s'],
      }),
    ),
  );
  const topology = {
    kind: 'rqlite-url',
    servers,
    agents,
    ledgers: [...serverNames, 'a1', 'a2'].map((n) => join(dir, `${n}.ledger`)),
    processes: () => ({
      ...Object.fromEntries(topology.servers.map((s) => [s.nodeName, s.pid])),
      ...Object.fromEntries(agents.map((a) => [a.nodeName, a.pid])),
      ...Object.fromEntries(rqlite.pids.map((pid, i) => [`rqlited-${i + 1}`, pid])),
    }),
    leader: () => agreedLeader(topology.servers),
    /** kill -9 of the leader; resolves with it and the time of the kill once it is gone. */
    async killLeader() {
      const leader = await agreedLeader(topology.servers);
      const killedAt = Date.now();
      await leader.kill9();
      topology.servers = topology.servers.filter((s) => s !== leader);
      return { leader, killedAt };
    },
    /** Starts a server again under a killed one's name (same ledger file); resolves when healthy. */
    async restart(name) {
      const server = await startOne(name);
      topology.servers = [...topology.servers, server];
      return server;
    },
    async stop() {
      await Promise.all([...agents, ...topology.servers].map((n) => n.stop()));
      await rqlite.stop();
    },
  };
  return topology;
}

async function getJson(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/**
 * The server every one of `servers` names in `/v1/leader` and that alone answers `/v1/isleader` with
 * 200; polled every 50 ms up to `timeoutMs`.
 */
export async function agreedLeader(servers, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answers = await Promise.all(
      servers.map(async (s) => {
        const [leader, is] = await Promise.all([
          getJson(`${s.baseUrl}/v1/leader`),
          getJson(`${s.baseUrl}/v1/isleader`),
        ]);
        let named;
        try {
          named = JSON.parse(leader.body)?.Name;
        } catch {
          named = undefined;
        }
        return { named, leads: is.status === 200 };
      }),
    );
    const leader = servers.find((s) => s.nodeName === answers[0].named);
    const leading = answers.filter((a) => a.leads).length;
    if (leader && answers.every((a) => a.named === leader.nodeName) && leading === 1) {
      if (answers[servers.indexOf(leader)].leads) return leader;
    }
    if (Date.now() > deadline)
      throw new Error(
        `the servers did not agree on one leader within ${timeoutMs} ms: ${JSON.stringify(answers)}`,
      );
    await sleep(50);
  }
}
