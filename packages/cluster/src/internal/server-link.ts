import type { AgentApi, Clock, Member, RemoteFollowEvent, RemoteRuns } from '@dkron-core/kernel';
import {
  DkronError,
  type DkronErrorCode,
  type Execution,
  isDkronError,
  type Logger,
} from '@dkron-core/plugin-api';
import * as grpc from '@grpc/grpc-js';
import { AUTH_METADATA, signCall } from './auth.js';
import { createEventQueue } from './event-queue.js';
import type { AgentsView } from './leader-agents.js';
import { clusterService } from './proto.js';
import { channelCredentials, type NodeTls } from './tls.js';

/** What the leader answers for other servers: its own API's run, cancel, busy and follow. */
export type LeaderApi = Pick<AgentApi, 'runJob' | 'cancelExecution' | 'busy' | 'followExecution'>;

/** Metadata key of the dkron-core error code an error carries between servers. */
const ERROR_CODE = 'x-dkron-error-code';

const RUN_DEADLINE_MS = 30_000;
/** A cancel answers once the run ended: the executor gets its signal and some time to stop. */
const CANCEL_DEADLINE_MS = 120_000;
const BUSY_DEADLINE_MS = 10_000;

interface RunJobRequest {
  job_name: string;
  force?: boolean;
}
interface ExecutionRef {
  job_name: string;
  execution_id: string;
}
interface AgentsReply {
  members_json?: string[];
  executors?: string[];
  processors?: string[];
  catalog_json?: string;
}
interface FollowEventMessage {
  chunk?: string;
  done_execution_json?: string;
}

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

interface ServerLinkClient extends grpc.Client {
  RunJob: Unary<RunJobRequest, { job_json: string }>;
  CancelExecution: Unary<ExecutionRef, { execution_json: string }>;
  Busy: Unary<Record<string, never>, { executions_json?: string[] }>;
  Agents: Unary<Record<string, never>, AgentsReply>;
  FollowExecution(
    request: ExecutionRef,
    metadata: grpc.Metadata,
  ): grpc.ClientReadableStream<FollowEventMessage>;
}

interface Loaded {
  readonly service: grpc.ServiceDefinition;
  readonly Client: new (address: string, credentials: grpc.ChannelCredentials) => ServerLinkClient;
}

/** The ServerLink service, loaded once. */
export function serverLink(): Loaded {
  return clusterService<Loaded['Client']>('ServerLink');
}

const GRPC_OF: Partial<Record<DkronErrorCode, grpc.status>> = {
  NOT_FOUND: grpc.status.NOT_FOUND,
  CONFLICT: grpc.status.FAILED_PRECONDITION,
  VALIDATION: grpc.status.INVALID_ARGUMENT,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
};

/** An error of the leader's API as a gRPC error that keeps its dkron-core code and message. */
function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (!isDkronError(err)) {
    return { code: grpc.status.INTERNAL, details: 'the leader failed to answer', metadata };
  }
  metadata.set(ERROR_CODE, err.code);
  return { code: GRPC_OF[err.code] ?? grpc.status.UNKNOWN, details: err.message, metadata };
}

/** A gRPC error from the leader as the DkronError it was there (or UNAVAILABLE when it was not reached). */
function fromServiceError(err: grpc.ServiceError, leader: string): DkronError {
  const [code] = err.metadata?.get(ERROR_CODE) ?? [];
  if (typeof code === 'string') return new DkronError(code as DkronErrorCode, err.details);
  return new DkronError('UNAVAILABLE', `the leader ${leader} did not answer: ${err.details || err.message}`);
}

/** Options of {@link serverLinkHandlers}. */
export interface ServerLinkHandlersOptions {
  readonly nodeName: string;
  readonly api: LeaderApi;
  readonly isLeader: () => boolean;
  /** The agents connected to this server. */
  readonly agents: () => AgentsView;
  /** Why the call is refused (authentication), or `undefined`. */
  readonly authenticate: (call: { metadata: grpc.Metadata; getPeer(): string }) => string | undefined;
}

/** The leader's side of ServerLink: each call goes to the leader's API, as if it came to its own routes. */
export function serverLinkHandlers(options: ServerLinkHandlersOptions): grpc.UntypedServiceImplementation {
  const { api, nodeName } = options;
  const refusal = (call: {
    metadata: grpc.Metadata;
    getPeer(): string;
  }): Partial<grpc.StatusObject> | undefined => {
    const why = options.authenticate(call);
    if (why) return { code: grpc.status.UNAUTHENTICATED, details: `refused by ${nodeName}: ${why}` };
    if (!options.isLeader())
      return toServiceError(new DkronError('UNAVAILABLE', `${nodeName} does not lead`));
    return undefined;
  };
  const unary =
    <Req, Res>(answer: (request: Req) => Promise<Res>) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const refused = refusal(call);
      if (refused) return callback(refused);
      answer(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err)),
      );
    };
  return {
    RunJob: unary(async (r: RunJobRequest) => ({
      job_json: JSON.stringify(await api.runJob(r.job_name, { force: r.force === true })),
    })),
    CancelExecution: unary(async (r: ExecutionRef) => ({
      execution_json: JSON.stringify(await api.cancelExecution(r.job_name, r.execution_id)),
    })),
    Busy: unary(async () => ({ executions_json: (await api.busy()).map((e) => JSON.stringify(e)) })),
    Agents: unary(async (): Promise<AgentsReply> => {
      const view = options.agents();
      return {
        members_json: view.members.map((m) => JSON.stringify(m)),
        executors: [...view.executors],
        processors: [...view.processors],
        catalog_json: JSON.stringify(view.catalog),
      };
    }),
    FollowExecution: (call: grpc.ServerWritableStream<ExecutionRef, FollowEventMessage>) =>
      void follow(call, refusal(call), api),
  };
}

async function follow(
  call: grpc.ServerWritableStream<ExecutionRef, FollowEventMessage>,
  refused: Partial<grpc.StatusObject> | undefined,
  api: LeaderApi,
): Promise<void> {
  if (refused) {
    call.emit('error', refused);
    return;
  }
  const stop = new AbortController();
  call.on('cancelled', () => stop.abort());
  try {
    const { job_name, execution_id } = call.request;
    for await (const event of api.followExecution(job_name, execution_id, stop.signal)) {
      if (event.type === 'output') call.write({ chunk: event.chunk });
      else call.write({ done_execution_json: JSON.stringify(event.execution) });
    }
    call.end();
  } catch (err) {
    if (!stop.signal.aborted) call.emit('error', toServiceError(err));
  }
}

/** Options of {@link createLeaderLink}. */
export interface LeaderLinkOptions {
  readonly nodeName: string;
  /** The leader as this server knows it (its `rpc_addr` tag is where it listens). */
  readonly leader: () => Member | undefined;
  readonly key: Buffer | undefined;
  /** `--tls-*`: the calls are mTLS, as the leader's listener requires. */
  readonly tls?: NodeTls | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A server's calls to the leader: the {@link RemoteRuns} of a server that does not lead. */
export interface LeaderLink extends RemoteRuns {
  /** The plain agents connected to the leader. */
  agents(): Promise<AgentsView>;
  close(): void;
}

/** Creates the calls of a server that does not lead to the leader, over one channel per leader address. */
export function createLeaderLink(options: LeaderLinkOptions): LeaderLink {
  const { Client } = serverLink();
  let channel: { address: string; client: ServerLinkClient } | undefined;

  function target(): { client: ServerLinkClient; leader: string } {
    const leader = options.leader();
    if (!leader) throw new DkronError('UNAVAILABLE', 'no leader is known now: retry shortly');
    if (leader.Name === options.nodeName) {
      throw new DkronError(
        'UNAVAILABLE',
        `${options.nodeName} leads but has not started its term yet: retry shortly`,
      );
    }
    const address = leader.Tags.rpc_addr;
    if (!address) throw new DkronError('UNAVAILABLE', `the leader ${leader.Name} advertises no rpc_addr`);
    if (channel?.address !== address) {
      channel?.client.close();
      channel = { address, client: new Client(address, channelCredentials(options.tls)) };
    }
    return { client: channel.client, leader: leader.Name };
  }

  function metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (!options.key) return md;
    const signed = signCall(options.key, options.nodeName, options.clock.now());
    md.set(AUTH_METADATA.node, signed.node);
    md.set(AUTH_METADATA.timestamp, signed.timestamp);
    md.set(AUTH_METADATA.nonce, signed.nonce);
    md.set(AUTH_METADATA.mac, signed.mac);
    return md;
  }

  function call<Req, Res>(
    pick: (client: ServerLinkClient) => Unary<Req, Res>,
    request: Req,
    deadlineMs: number,
  ): Promise<Res> {
    const { client, leader } = target();
    return new Promise<Res>((resolve, reject) => {
      pick(client).call(
        client,
        request,
        metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, response) => (err ? reject(fromServiceError(err, leader)) : resolve(response as Res)),
      );
    });
  }

  return {
    async runNow(job, force) {
      await call((c) => c.RunJob, { job_name: job, force }, RUN_DEADLINE_MS);
    },
    async cancel(job, id) {
      const reply = await call(
        (c) => c.CancelExecution,
        { job_name: job, execution_id: id },
        CANCEL_DEADLINE_MS,
      );
      return JSON.parse(reply.execution_json) as Execution;
    },
    async running() {
      const reply = await call((c) => c.Busy, {}, BUSY_DEADLINE_MS);
      return (reply.executions_json ?? []).map((json) => JSON.parse(json) as Execution);
    },
    async agents() {
      const reply = await call((c) => c.Agents, {}, BUSY_DEADLINE_MS);
      const catalog = JSON.parse(
        reply.catalog_json || '{"executors":[],"processors":[]}',
      ) as AgentsView['catalog'];
      return {
        members: (reply.members_json ?? []).map((json) => JSON.parse(json) as Member),
        executors: reply.executors ?? [],
        processors: reply.processors ?? [],
        catalog,
      };
    },
    async follow(job, id, signal) {
      let found: { client: ServerLinkClient; leader: string };
      try {
        found = target();
      } catch (err) {
        // No leader to ask: the agent answers from the store.
        options.logger.debug('cannot follow an execution through the leader', { err: String(err) });
        return undefined;
      }
      const stream = found.client.FollowExecution({ job_name: job, execution_id: id }, metadata());
      const queue = createEventQueue<RemoteFollowEvent>(signal, () => stream.cancel());
      stream.on('data', (m: FollowEventMessage) => {
        if (m.done_execution_json !== undefined) {
          queue.push({ type: 'done', execution: JSON.parse(m.done_execution_json) as Execution });
        } else if (m.chunk !== undefined) queue.push({ type: 'output', chunk: m.chunk });
      });
      stream.on('end', () => queue.end());
      stream.on('error', (err: grpc.ServiceError) => {
        if (err.code === grpc.status.CANCELLED && signal.aborted) queue.end();
        else queue.fail(fromServiceError(err, found.leader));
      });
      return queue.events;
    },
    close() {
      channel?.client.close();
      channel = undefined;
    },
  };
}
