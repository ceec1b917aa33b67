import {
  type Clock,
  type Cluster,
  type Dispatcher,
  type DispatchHandle,
  type ExecutionReports,
  msToTime,
  type PluginCatalog,
  type RemoteRuns,
  systemClock,
} from '@dkron-core/kernel';
import type { Execution, Logger } from '@dkron-core/plugin-api';
import * as grpc from '@grpc/grpc-js';
import { AgentRuns } from './agent-runs.js';
import { AUTH_METADATA, CallVerifier, decodeKey, serverProof } from './auth.js';
import { LeaderAgents } from './leader-agents.js';
import { type AgentEntry, type InFlight, MemberRegistry, STATUS } from './members.js';
import { KEPT_OUTPUT } from './output-chunks.js';
import { type AgentMessage, agentLink, PROTOCOL_VERSION, type ServerStream } from './proto.js';
import { createLeaderLink, type LeaderApi, serverLink, serverLinkHandlers } from './server-link.js';
import { type NodeTls, serverCredentials } from './tls.js';

/** Default pause between an agent's heartbeats. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
/** Default silence after which an agent is `failed` and its runs are lost. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 5_000;

/** Options of {@link createClusterServer}. */
export interface ClusterServerOptions {
  readonly nodeName: string;
  /** The servers' cluster (leadership, epoch, the servers as members); agents are added to it. */
  readonly base: Cluster;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Address the gRPC listener binds. */
  readonly host: string;
  /** Port it binds (`--rpc-port`); 0 picks a free one. */
  readonly port: number;
  /** `--encrypt`: every call must be signed with this key, and the server proves it holds it. */
  readonly key?: string;
  /** `--tls-cert`/`--tls-key`/`--tls-ca`: the listener is TLS and requires a client certificate of the CA. */
  readonly tls?: NodeTls;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /**
   * How much longer than the heartbeat timeout an adopted run waits for its agent after this server
   * started: agents reconnect with a pause of up to 5 s. Default 5 s.
   */
  readonly rejoinGraceMs?: number;
  /** `--serf-reconnect-timeout`: how long a failed or left agent is listed. Default 24 h. */
  readonly reconnectTimeoutMs?: number;
  /** More services on the same listener (the servers' {@link createPeersService}). */
  readonly services?: readonly GrpcService[];
}

/** A gRPC service and its handlers, added to a server's listener. */
export interface GrpcService {
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

/** The server side of the agents' links. */
export interface ClusterServer {
  /** The base cluster plus the agents: members, candidates; leadership stays the base's. */
  readonly cluster: Cluster;
  /** Runs of this node go to `local` (the worker), the others over their agent's stream. */
  dispatcher(local: Dispatcher): Dispatcher;
  /** Executors and processors the connected agents provide. */
  plugins(): { executors: string[]; processors: string[] };
  /**
   * `base` (this server's catalog) plus what only connected agents provide, each name once (the
   * server's entry first): `GET /v1/plugins` of the cluster.
   */
  catalog(base: PluginCatalog): PluginCatalog;
  /**
   * Runs of other nodes for this server's API: its agents' runs while it leads, else the leader's
   * answers over gRPC (run-now, cancel, busy, follow).
   */
  readonly remoteRuns: RemoteRuns;
  /**
   * Starts listening; agents' reports go to `reports` (the leader's intake), other servers' calls to
   * `leaderApi` (this server's API, answered while it leads). Resolves with the port.
   */
  start(reports: ExecutionReports, leaderApi?: LeaderApi): Promise<number>;
  /**
   * Follows executions the store shows running on other nodes (call it at start, before agents
   * reconnect): each is lost unless its agent reconnects within the heartbeat timeout and reports it.
   */
  adopt(executions: readonly Execution[]): void;
  /** Closes every agent stream and the listener. */
  stop(): Promise<void>;
}

function metadataValue(md: grpc.Metadata, key: string): string | undefined {
  const [value] = md.get(key);
  return typeof value === 'string' ? value : undefined;
}

function parseExecution(json: string): Execution {
  const value = JSON.parse(json) as Execution;
  if (typeof value?.id !== 'string' || typeof value.job_name !== 'string') {
    throw new Error('an execution without id or job_name');
  }
  return value;
}

/** Creates the gRPC listener of a server, its agent registry, cluster view and dispatcher. */
export function createClusterServer(options: ClusterServerOptions): ClusterServer {
  const { logger, base, nodeName } = options;
  const clock = options.clock ?? systemClock;
  const key = options.key ? decodeKey(options.key) : undefined;
  const verifier = key ? new CallVerifier(key) : undefined;
  const interval = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const timeout = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  // Agents (re)connect to a server that begins to lead within about a heartbeat timeout: until then a
  // slot whose tags match none of them waits for one (the kernel asks `placementSettling`).
  let leadingSince = base.isLeader() ? clock.now() : undefined;
  base.onLeadershipChange((change) => {
    leadingSince = change.leader ? clock.now() : undefined;
  });
  let reports: ExecutionReports | undefined;
  const streams = new Set<ServerStream>();
  let sweepTimer: { cancel(): void } | undefined;
  let server: grpc.Server | undefined;
  const leaderLink = createLeaderLink({
    nodeName,
    leader: () => base.leader(),
    key,
    tls: options.tls,
    clock,
    logger,
  });

  const registry = new MemberRegistry({
    heartbeatTimeoutMs: timeout,
    reconnectTimeoutMs: options.reconnectTimeoutMs ?? 24 * 3_600_000,
    onChange: (node, status) => {
      if (status === STATUS.failed) logger.warn('agent failed: no heartbeat', { node, timeoutMs: timeout });
      if (status === STATUS.left) logger.info('agent left', { node });
    },
    onLost: (node, runs, silentMs) => {
      const why = `execution lost: agent ${node} sent no heartbeat for ${Math.round(silentMs / 1000)} s`;
      for (const run of runs) markLost(node, run, why);
    },
  });

  /** The runs in flight on the agents, as the API sees them (live output, cancel, ends). */
  const runs = new AgentRuns(registry);
  /** On a server that does not lead: the leader's agents, for its members and plugins. */
  const leaderAgents = new LeaderAgents({
    fetch: () => leaderLink.agents(),
    isLeader: () => base.isLeader(),
    clock,
    logger,
    intervalMs: interval,
  });
  const agentsView = () => {
    const { executors, processors } = registry.plugins();
    return {
      members: registry.members(),
      executors: [...executors],
      processors: [...processors],
      catalog: mergeCatalogs({ executors: [], processors: [] }, registry.catalogs()),
    };
  };
  /** Members not from the base: this server's agents, and the leader's when it does not lead. */
  const agentMembers = () => {
    const own = registry.members();
    const names = new Set(own.map((m) => m.Name));
    const theirs = (leaderAgents.view()?.members ?? []).filter((m) => !names.has(m.Name));
    return [...own, ...theirs];
  };

  function markLost(node: string, run: InFlight, why: string): void {
    const e = { ...run.execution, output: run.output };
    logger.warn('execution lost with its agent', { job: e.job_name, execution: e.id, node });
    const lost: Execution = {
      ...e,
      status: 'lost',
      success: false,
      finished_at: msToTime(clock.now()),
      output: `${e.output}${e.output === '' || e.output.endsWith('\n') ? '' : '\n'}${why}\n`,
    };
    void reports
      ?.finished({ execution: lost })
      .catch((err: unknown) => logger.error('could not record a lost execution', { err: String(err) }))
      .finally(() => runs.ended(lost));
  }

  /**
   * Runs followed for an agent that does not run them any more (it restarted): unless it sends their end
   * (from its journal) within the heartbeat timeout, they are lost.
   */
  function forgetUnclaimed(entry: AgentEntry, ids: readonly string[]): void {
    if (ids.length === 0) return;
    clock.setTimeout(() => {
      for (const id of ids) {
        const run = entry.inFlight.get(id);
        if (!run) continue;
        entry.inFlight.delete(id);
        markLost(
          entry.member.Name,
          run,
          `execution lost: agent ${entry.member.Name} does not run it any more (it restarted)`,
        );
      }
    }, timeout);
  }

  function sweep(): void {
    registry.sweep(clock.now());
    sweepTimer = clock.setTimeout(sweep, interval);
  }

  function refuse(call: ServerStream, code: grpc.status, details: string): void {
    call.emit('error', { code, details, metadata: new grpc.Metadata() });
  }

  /** Why a node-to-node call is refused (logged), or `undefined` when it may go on. */
  function authenticate(call: { metadata: grpc.Metadata; getPeer(): string }): string | undefined {
    if (!verifier) return undefined;
    const md = call.metadata;
    const node = metadataValue(md, AUTH_METADATA.node);
    const why = verifier.verify(
      {
        ...(node ? { node } : {}),
        nonce: metadataValue(md, AUTH_METADATA.nonce) ?? '',
        timestamp: metadataValue(md, AUTH_METADATA.timestamp) ?? '',
        mac: metadataValue(md, AUTH_METADATA.mac) ?? '',
      },
      clock.now(),
    );
    if (why)
      logger.warn('refused a node-to-node call', {
        peer: call.getPeer(),
        node: node ?? '(none)',
        reason: why,
      });
    return why;
  }

  function onConnect(call: ServerStream): void {
    const peer = call.getPeer();
    const nonce = metadataValue(call.metadata, AUTH_METADATA.nonce) ?? '';
    const why = authenticate(call);
    if (why) {
      refuse(call, grpc.status.UNAUTHENTICATED, `refused by ${nodeName}: ${why}`);
      return;
    }
    streams.add(call);
    let entry: AgentEntry | undefined;
    let left = false;
    const closed = () => {
      streams.delete(call);
      if (entry) registry.disconnect(entry, left, clock.now());
    };
    call.on('error', closed);
    call.on('end', () => {
      closed();
      call.end();
    });
    call.on('cancelled', closed);
    call.on('data', (message: AgentMessage) => {
      try {
        if (message.announce) {
          entry = announce(call, message, nonce);
          return;
        }
        if (!entry) {
          refuse(call, grpc.status.FAILED_PRECONDITION, 'announce first');
          return;
        }
        registry.seen(entry, clock.now());
        if (message.leave) left = true;
        else if (message.retag) retag(entry, message.retag.tags);
        else onReport(call, entry, message);
      } catch (err) {
        logger.warn('bad message from an agent', { peer, err: String(err) });
      }
    });
  }

  /** Takes an agent's announce: redirect when not leading, else register it and welcome it. */
  function announce(call: ServerStream, message: AgentMessage, nonce: string): AgentEntry | undefined {
    const a = message.announce;
    if (!a) return undefined;
    if (a.protocol !== PROTOCOL_VERSION) {
      refuse(
        call,
        grpc.status.FAILED_PRECONDITION,
        `protocol ${a.protocol} not supported (this server speaks ${PROTOCOL_VERSION})`,
      );
      return undefined;
    }
    if (!base.isLeader()) {
      const leader = base.leader();
      call.write({
        redirect: {
          leader_name: leader?.Name ?? '',
          leader_addr: leader?.Tags.rpc_addr ?? '',
          reason: `${nodeName} does not lead${leader ? `: the leader is ${leader.Name}` : ' and knows no leader yet'}`,
        },
      });
      call.end();
      return undefined;
    }
    if (base.members().some((m) => m.Name === a.name)) {
      refuse(call, grpc.status.ALREADY_EXISTS, `a server is named ${a.name}: node names must be unique`);
      return undefined;
    }
    registry.get(a.name)?.link?.close();
    const now = clock.now();
    const entry = registry.connect(
      {
        Name: a.name,
        Addr: a.addr,
        Port: a.port,
        Tags: { ...(a.tags ?? {}) },
        ProtocolMin: 1,
        ProtocolMax: 5,
        ProtocolCur: 2,
        DelegateMin: 2,
        DelegateMax: 5,
        DelegateCur: 4,
      },
      { executors: a.executors ?? [], processors: a.processors ?? [], ...parseCatalog(a.catalog_json) },
      {
        dispatch: (job, execution) =>
          call.write({
            dispatch: { job_json: JSON.stringify(job), execution_json: JSON.stringify(execution) },
          }),
        abort: (job, id, reason) => call.write({ abort: { job_name: job, execution_id: id, reason } }),
        close: () => call.end(),
      },
      now,
    );
    // Runs it still has (this server restarted, or the stream was cut): followed again.
    const running = new Set<string>();
    for (const json of a.running ?? []) {
      const execution = parseExecution(json);
      running.add(execution.id);
      if (!entry.inFlight.has(execution.id)) {
        entry.inFlight.set(execution.id, { job: undefined, execution, output: execution.output });
      }
    }
    forgetUnclaimed(
      entry,
      [...entry.inFlight.keys()].filter((id) => !running.has(id)),
    );
    logger.info('agent joined', { node: a.name, version: a.version, running: entry.inFlight.size });
    call.write({
      welcome: {
        server_name: nodeName,
        heartbeat_interval_ms: interval,
        proof: key ? serverProof(key, nodeName, nonce) : '',
      },
    });
    return entry;
  }

  /** An agent's new tags (it reloaded its config): its member record, and the runs targeting it from now on. */
  function retag(entry: AgentEntry, tags: Record<string, string> | undefined): void {
    entry.member = { ...entry.member, Tags: { ...(tags ?? {}) } };
    logger.info('agent tags changed', { node: entry.member.Name, tags: entry.member.Tags });
  }

  function onReport(call: ServerStream, entry: AgentEntry, message: AgentMessage): void {
    if (!reports) return;
    if (message.started) reports.started(parseExecution(message.started.execution_json));
    else if (message.output) {
      const execution = parseExecution(message.output.execution_json);
      const run = entry.inFlight.get(execution.id);
      if (run) run.output = keepTail(run.output + message.output.chunk);
      runs.output(execution.id, message.output.chunk);
      reports.output(execution, message.output.chunk);
    } else if (message.finished) {
      const execution = parseExecution(message.finished.execution_json);
      entry.inFlight.delete(execution.id);
      void reports
        .finished({ execution })
        .then(
          () => call.write({ ack: { execution_id: execution.id } }),
          (err: unknown) =>
            logger.error('could not record a finished execution', {
              execution: execution.id,
              err: String(err),
            }),
        )
        .finally(() => runs.ended(execution));
    }
  }

  const cluster: Cluster = {
    members: () => [...base.members(), ...agentMembers()],
    // As in Dkron, runs target nodes of this server's region only (an agent of another region is listed).
    candidates: () => {
      const region = base.self().Tags.region;
      return [...base.candidates(), ...registry.candidates().filter((c) => c.tags.region === region)];
    },
    leader: () => base.leader(),
    isLeader: () => base.isLeader(),
    epoch: () => base.epoch(),
    self: () => base.self(),
    onLeadershipChange: (listener) => base.onLeadershipChange(listener),
    placementSettling: () => leadingSince !== undefined && clock.now() - leadingSince < timeout,
    ...(base.retag ? { retag: (tags: Readonly<Record<string, string>>) => base.retag?.(tags) } : {}),
  };

  const remoteRuns: RemoteRuns = {
    // The leader follows its agents' runs; a server that does not lead asks the leader.
    running: async () => (base.isLeader() ? runs.running() : leaderLink.running()),
    cancel: async (job, id, reason) =>
      base.isLeader() ? runs.cancel(job, id, reason) : leaderLink.cancel(job, id, reason),
    follow: async (job, id, signal) =>
      base.isLeader() ? runs.follow(job, id, signal) : leaderLink.follow(job, id, signal),
    runNow: (job, force) => leaderLink.runNow(job, force),
  };

  return {
    cluster,
    remoteRuns,
    dispatcher: (local) => createClusterDispatcher(nodeName, local, registry),
    adopt(executions) {
      // Counted as seen a grace ahead: the agent's reconnect pause must not make its run lost.
      const seen = clock.now() + (options.rejoinGraceMs ?? 5_000);
      for (const e of executions) if (e.node_name !== nodeName) registry.adopt(e.node_name, e, seen);
    },
    catalog(own) {
      const theirs = leaderAgents.view()?.catalog;
      return mergeCatalogs(own, [...registry.catalogs(), ...(theirs ? [theirs] : [])]);
    },
    plugins() {
      const { executors, processors } = registry.plugins();
      const theirs = leaderAgents.view();
      for (const e of theirs?.executors ?? []) executors.add(e);
      for (const p of theirs?.processors ?? []) processors.add(p);
      return { executors: [...executors].sort(), processors: [...processors].sort() };
    },
    async start(intake, leaderApi) {
      reports = intake;
      const grpcServer = new grpc.Server({
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
      });
      grpcServer.addService(agentLink().service, { Connect: onConnect });
      if (leaderApi) {
        grpcServer.addService(
          serverLink().service,
          serverLinkHandlers({
            nodeName,
            api: leaderApi,
            isLeader: () => base.isLeader(),
            agents: agentsView,
            authenticate,
          }),
        );
      }
      for (const extra of options.services ?? [])
        grpcServer.addService(extra.definition, extra.implementation);
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      const port = await new Promise<number>((resolve, reject) =>
        grpcServer.bindAsync(`${host}:${options.port}`, serverCredentials(options.tls), (err, bound) =>
          err
            ? reject(new Error(`cannot listen for agents on ${host}:${options.port}: ${err.message}`))
            : resolve(bound),
        ),
      );
      server = grpcServer;
      // A server that stops leading sends its agents to the new leader.
      base.onLeadershipChange((change) => {
        if (!change.leader) for (const s of streams) s.end();
      });
      sweep();
      leaderAgents.start();
      return port;
    },
    async stop() {
      sweepTimer?.cancel();
      leaderLink.close();
      leaderAgents.stop();
      for (const s of streams) s.end();
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          closing.forceShutdown();
          resolve();
        }, 2_000);
        closing.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** Live output kept per run in flight: its tail, as the agent's own (Dkron's 256,000 bytes, in characters). */
function keepTail(text: string): string {
  return text.length > KEPT_OUTPUT ? text.slice(-KEPT_OUTPUT) : text;
}

/** `own` plus what only `others` provide, each name once (`own`'s entry first), sorted by name. */
function mergeCatalogs(own: PluginCatalog, others: readonly PluginCatalog[]): PluginCatalog {
  const executors = new Map(own.executors.map((e) => [e.name, e]));
  const processors = new Map(own.processors.map((p) => [p.name, p]));
  for (const c of others) {
    for (const e of c.executors) if (!executors.has(e.name)) executors.set(e.name, e);
    for (const p of c.processors) if (!processors.has(p.name)) processors.set(p.name, p);
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    executors: [...executors.values()].sort(byName),
    processors: [...processors.values()].sort(byName),
  };
}

/** An announced catalog; a malformed one is ignored (the names announced still count). */
function parseCatalog(json: string | undefined): { catalog?: PluginCatalog } {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as PluginCatalog;
    return Array.isArray(value?.executors) && Array.isArray(value.processors) ? { catalog: value } : {};
  } catch {
    return {};
  }
}

function refused(reason: string): DispatchHandle {
  return { accepted: false, reason, abort() {} };
}

/** Runs of this node go to the local worker, other runs to their agent; idempotent on the execution id. */
function createClusterDispatcher(self: string, local: Dispatcher, registry: MemberRegistry): Dispatcher {
  return {
    dispatch(runs) {
      const handles: DispatchHandle[] = new Array(runs.length);
      const here: number[] = [];
      for (const [i, run] of runs.entries()) {
        const node = run.execution.node_name;
        if (node === self) {
          here.push(i);
          continue;
        }
        const entry = registry.connected(node);
        if (!entry) {
          handles[i] = refused(
            registry.get(node)
              ? `agent ${node} is not connected`
              : `node ${node} is not a member of this cluster`,
          );
          continue;
        }
        const { job, execution } = run;
        if (!entry.inFlight.has(execution.id)) {
          entry.inFlight.set(execution.id, { job, execution, output: '' });
          entry.link?.dispatch(job, execution);
        }
        handles[i] = {
          accepted: true,
          abort: (reason) => registry.get(node)?.link?.abort(job.name, execution.id, reasonText(reason)),
        };
      }
      if (here.length > 0) {
        const localHandles = local.dispatch(here.map((i) => runs[i] as (typeof runs)[number]));
        for (const [k, i] of here.entries()) handles[i] = localHandles[k] as DispatchHandle;
      }
      return handles;
    },
    prepare(runs) {
      const mine = runs.filter((r) => r.node === self);
      if (mine.length > 0) local.prepare?.(mine);
    },
    unprepare: (keys) => local.unprepare?.(keys),
  };
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'execution cancelled' : String(reason);
}
