import {
  type Clock,
  createWorker,
  DEFAULT_OUTPUT_LIMIT,
  type ExecutionReports,
  type Member,
  msToTime,
  type PluginRegistry,
  systemClock,
  type Worker,
} from '@dkron-core/kernel';
import type { Execution, Job, Logger } from '@dkron-core/plugin-api';
import * as grpc from '@grpc/grpc-js';
import { AUTH_METADATA, decodeKey, sameMac, serverProof, signCall } from './auth.js';
import { outputChunks } from './output-chunks.js';
import { type AgentStream, agentLink, PROTOCOL_VERSION, type ServerMessage } from './proto.js';
import { ReportJournal } from './report-journal.js';
import { channelCredentials, type NodeTls, tlsHint } from './tls.js';

/**
 * Longest pause between reconnection attempts once the agent was connected: short, so that after a
 * failover the agents find the new leader (the other servers redirect to it) soon after it is elected.
 */
const MAX_RECONNECT_MS = 1_000;
const FIRST_RECONNECT_MS = 250;

/** Options of {@link createAgentNode}. */
export interface AgentNodeOptions {
  /** This node as a member: name, advertised address and port, every tag (reserved ones included). */
  readonly member: Member;
  readonly version: string;
  readonly registry: PluginRegistry;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly outputLimit?: number;
  /** `--join` addresses (`host:port`): the first connection gets one round over them. */
  readonly join: readonly string[];
  /** `--retry-join` addresses: retried every `retryIntervalMs`, `retryMax` times (0: forever). */
  readonly retryJoin?: readonly string[];
  readonly retryIntervalMs?: number;
  readonly retryMax?: number;
  /** `--encrypt` key. */
  readonly key?: string;
  /** `--tls-cert`/`--tls-key`/`--tls-ca`: the link to the server is mTLS. */
  readonly tls?: NodeTls;
  /** The journal of unacknowledged finished reports (a file in the data dir). */
  readonly journalPath: string;
}

/** A plain agent: no store, one outbound stream to the leading server. */
export interface AgentNode {
  /** Loads the journal and connects; rejects when the join fails (after the retries). */
  start(): Promise<void>;
  /** The server this agent is connected to, or `undefined`. */
  connectedTo(): string | undefined;
  /** Runs of this agent. */
  running(): Execution[];
  /** Finished reports no server acknowledged yet. */
  unacknowledged(): number;
  /**
   * Replaces this node's tags (every tag, reserved ones included): sent to the server now if connected,
   * and announced on every later connection.
   */
  retag(tags: Readonly<Record<string, string>>): void;
  /** Waits up to `timeoutMs` for running runs, sends what is left, leaves and closes. */
  stop(timeoutMs: number): Promise<void>;
}

type Outcome = { kind: 'welcomed' } | { kind: 'redirect'; to: string } | { kind: 'failed'; error: string };

/** Creates a plain agent's node: its worker and its link to the servers. */
export function createAgentNode(options: AgentNodeOptions): AgentNode {
  const { logger } = options;
  let member = options.member;
  const clock = options.clock ?? systemClock;
  const key = options.key ? decodeKey(options.key) : undefined;
  const journal = new ReportJournal(options.journalPath);
  const pending = new Map<string, Execution>();
  const servers = [...new Set([...options.join, ...(options.retryJoin ?? [])])];
  if (servers.length === 0)
    throw new Error('a plain agent needs --join or --retry-join: the address of a server');
  const { Client } = agentLink();
  let call: AgentStream | undefined;
  let server: string | undefined;
  let client: grpc.Client | undefined;
  let heartbeat: { cancel(): void } | undefined;
  let retry: { cancel(): void } | undefined;
  let stopping = false;
  /** Called when the last unacknowledged report was acknowledged (stop waits for it). */
  let onDrained: (() => void) | undefined;

  const send = (message: Parameters<AgentStream['write']>[0]) => {
    if (call && server) call.write(message);
  };
  const savePending = () =>
    journal
      .save(() => [...pending.values()])
      .catch((err: unknown) =>
        logger.error('could not write the report journal', { path: options.journalPath, err: String(err) }),
      );

  const reports: ExecutionReports = {
    started: (execution) => send({ started: { execution_json: JSON.stringify(execution) } }),
    // Live output while connected; the finished report carries the (capped) output in any case.
    output: (execution, chunk) => {
      const execution_json = JSON.stringify(execution);
      for (const piece of outputChunks(chunk)) send({ output: { execution_json, chunk: piece } });
    },
    async finished({ execution }) {
      pending.set(execution.id, execution);
      await savePending();
      send({ finished: { execution_json: JSON.stringify(execution) } });
    },
  };
  const worker: Worker = createWorker({
    nodeName: member.Name,
    registry: options.registry,
    logger,
    clock,
    outputLimit: options.outputLimit ?? DEFAULT_OUTPUT_LIMIT,
    reports,
  });

  function onDispatch(jobJson: string, executionJson: string): void {
    const job = JSON.parse(jobJson) as Job;
    const execution = JSON.parse(executionJson) as Execution;
    const done = pending.get(execution.id);
    // Ran here already, its end not acknowledged: the end again, never a second run.
    if (done) {
      send({ finished: { execution_json: JSON.stringify(done) } });
      return;
    }
    const [handle] = worker.dispatch([{ job, execution }]);
    if (handle && !handle.accepted) {
      void reports.finished({
        execution: {
          ...execution,
          status: 'failed',
          success: false,
          finished_at: msToTime(clock.now()),
          output: `dispatch refused by ${member.Name}: ${handle.reason ?? 'refused'}\n`,
        },
      });
    }
  }

  function onMessage(message: ServerMessage): void {
    if (message.dispatch) onDispatch(message.dispatch.job_json, message.dispatch.execution_json);
    else if (message.abort) {
      const { job_name, execution_id, reason } = message.abort;
      void worker.cancel(job_name, execution_id, reason || 'execution cancelled');
    } else if (message.ack) {
      if (pending.delete(message.ack.execution_id)) void savePending();
      if (pending.size === 0) onDrained?.();
    }
  }

  function metadata(): { md: grpc.Metadata; nonce: string } {
    const md = new grpc.Metadata();
    if (!key) return { md, nonce: '' };
    const signed = signCall(key, member.Name, clock.now());
    md.set(AUTH_METADATA.node, signed.node);
    md.set(AUTH_METADATA.timestamp, signed.timestamp);
    md.set(AUTH_METADATA.nonce, signed.nonce);
    md.set(AUTH_METADATA.mac, signed.mac);
    return { md, nonce: signed.nonce };
  }

  function beat(intervalMs: number): void {
    heartbeat = clock.setTimeout(() => {
      send({ heartbeat: { sent_at_ms: clock.now() } });
      beat(intervalMs);
    }, intervalMs);
  }

  /** One connection to `address`: resolves when welcomed, redirected or refused; `onLost` when it drops. */
  function connect(address: string, onLost: () => void): Promise<Outcome> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const c = new Client(address, channelCredentials(options.tls), {
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
      });
      const { md, nonce } = metadata();
      const stream = c.Connect(md);
      let welcomed = false;
      const ended = (error: string) => {
        stream.removeAllListeners('data');
        c.close();
        if (!welcomed) {
          settle({ kind: 'failed', error: tlsHint(options.tls, error) });
          return;
        }
        welcomed = false;
        if (call === stream) {
          call = undefined;
          server = undefined;
          heartbeat?.cancel();
          logger.warn('lost the connection to the server', { server: address, reason: error });
          onLost();
        }
      };
      stream.on('error', (err: grpc.ServiceError) => ended(err.details || err.message));
      stream.on('end', () => ended('the server closed the stream'));
      stream.on('data', (message: ServerMessage) => {
        try {
          if (message.redirect) {
            settle({ kind: 'redirect', to: message.redirect.leader_addr });
            logger.info('redirected to the leader', { from: address, ...message.redirect });
            stream.cancel();
            return;
          }
          if (message.welcome) {
            if (
              key &&
              !sameMac(message.welcome.proof ?? '', serverProof(key, message.welcome.server_name, nonce))
            ) {
              logger.error('refused a server that does not hold the --encrypt key', { server: address });
              stream.cancel();
              settle({ kind: 'failed', error: `server ${address} did not prove it holds the --encrypt key` });
              return;
            }
            welcomed = true;
            call = stream;
            server = address;
            client = c;
            beat(message.welcome.heartbeat_interval_ms || 1_000);
            // What no server acknowledged yet, again: the server records each end once.
            for (const done of pending.values()) send({ finished: { execution_json: JSON.stringify(done) } });
            logger.info('connected to server', { server: address, name: message.welcome.server_name });
            settle({ kind: 'welcomed' });
            return;
          }
          if (welcomed) onMessage(message);
        } catch (err) {
          logger.warn('bad message from the server', { server: address, err: String(err) });
        }
      });
      stream.write({
        announce: {
          name: member.Name,
          addr: member.Addr,
          port: member.Port,
          tags: { ...member.Tags },
          version: options.version,
          executors: options.registry.catalog().executors.map((e) => e.name),
          processors: options.registry.catalog().processors.map((p) => p.name),
          running: worker.running().map((e) => JSON.stringify(e)),
          protocol: PROTOCOL_VERSION,
          catalog_json: JSON.stringify(options.registry.catalog()),
        },
      });
    });
  }

  /** One round over the servers (a redirect first); `undefined` when connected, else the errors. */
  async function round(order: string[]): Promise<string[] | undefined> {
    const errors: string[] = [];
    const queue = [...order];
    let redirects = 0;
    while (queue.length > 0 && !stopping) {
      const address = queue.shift() as string;
      const outcome = await connect(address, reconnect);
      if (outcome.kind === 'welcomed') {
        // The next round starts with the server that worked.
        const known = servers.indexOf(address);
        if (known >= 0) servers.splice(known, 1);
        servers.unshift(address);
        return undefined;
      }
      if (outcome.kind === 'redirect' && outcome.to !== '' && redirects++ < 3) queue.unshift(outcome.to);
      else errors.push(`${address}: ${outcome.kind === 'failed' ? outcome.error : 'no leader known'}`);
    }
    return errors;
  }

  /** After a lost connection: rounds with a growing pause, until connected or stopped. */
  function reconnect(attempt = 0): void {
    if (stopping) return;
    const delay = Math.min(FIRST_RECONNECT_MS * 2 ** attempt, MAX_RECONNECT_MS);
    retry = clock.setTimeout(
      () => {
        void round(servers).then((errors) => {
          if (errors && !stopping) {
            logger.warn('could not reach a server; retrying', { errors });
            reconnect(attempt + 1);
          }
        });
      },
      attempt === 0 ? 0 : delay,
    );
  }

  async function join(): Promise<void> {
    const max = options.retryMax ?? 0;
    const retrying = (options.retryJoin ?? []).length > 0;
    for (let attempt = 1; ; attempt++) {
      const errors = await round(servers);
      if (!errors) return;
      if (!retrying || (max > 0 && attempt >= max)) {
        throw new Error(
          `could not join a server (${attempt} attempt${attempt > 1 ? 's' : ''}): ${errors.join('; ')}`,
        );
      }
      logger.warn('could not join a server; retrying', { attempt, errors, inMs: options.retryIntervalMs });
      await new Promise<void>((r) => (retry = clock.setTimeout(r, options.retryIntervalMs ?? 30_000)));
      if (stopping) throw new Error('stopped before joining a server');
    }
  }

  return {
    async start() {
      for (const e of await journal.load()) pending.set(e.id, e);
      if (pending.size > 0)
        logger.info('reports kept by a previous run will be sent again', { count: pending.size });
      await join();
    },
    connectedTo: () => server,
    running: () => worker.running(),
    unacknowledged: () => pending.size,
    retag(tags) {
      member = { ...member, Tags: { ...tags } };
      send({ retag: { tags: { ...member.Tags } } });
    },
    async stop(timeoutMs) {
      await worker.stop(timeoutMs);
      stopping = true;
      retry?.cancel();
      heartbeat?.cancel();
      // A moment for the last acknowledgements; what is left stays in the journal.
      if (pending.size > 0 && server) {
        let timer: { cancel(): void } | undefined;
        await new Promise<void>((resolve) => {
          onDrained = resolve;
          timer = clock.setTimeout(resolve, Math.min(2_000, timeoutMs));
        });
        timer?.cancel();
      }
      send({ leave: {} });
      const ending = call;
      call = undefined;
      server = undefined;
      ending?.end();
      client?.close();
      // Acknowledgements that came last are on disk before the agent is said to be stopped.
      await journal.idle();
    },
  };
}
