/** Peers for the plugin tests: spawned servers on free loopback ports and a TCP black hole. */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/helpers/free-port.js';

export { freePort };

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`, or rejects after `timeoutMs`. */
export async function waitForPort(
  port: number,
  timeoutMs = 15_000,
  exited?: Promise<unknown>,
): Promise<void> {
  const until = performance.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => {
    gone = true;
  });
  while (performance.now() < until) {
    if (gone) throw new Error(`the server exited before it listened on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A process the test started, stopped (and its temp dir removed) by `stop`. */
export interface Spawned {
  readonly port: number;
  readonly dir: string;
  readonly proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

/** Spawns `command` (which must listen on `port`) and waits until it does. */
export async function spawnServer(
  command: string,
  args: (ctx: { port: number; dir: string }) => string[],
  files: (ctx: { port: number; dir: string }) => Record<string, string> = () => ({}),
  port?: number,
): Promise<Spawned> {
  const dir = await mkdtemp(join(tmpdir(), 'dkron-plugin-peer-'));
  const chosen = port ?? (await freePort());
  for (const [name, text] of Object.entries(files({ port: chosen, dir })))
    await writeFile(join(dir, name), text);
  const proc = spawn(command, args({ port: chosen, dir }), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  // A missing binary is an 'error' event, not an exit: name it instead of crashing the worker.
  proc.once('error', (error) => {
    output += `could not start ${command}: ${error.message}\n`;
  });
  proc.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  proc.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise((resolve) => {
    proc.once('exit', resolve);
    proc.once('error', resolve);
  });
  const stop = async () => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(chosen, 15_000, exited);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${command} said:\n${output}`);
  }
  return { port: chosen, dir, proc, logs: () => output, stop };
}

/** A NATS server of our own (for credentials and permissions), from this machine's nats-server. */
export function startNatsServer(config: string): Promise<Spawned> {
  return spawnServer(
    process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server',
    ({ port, dir }) => ['-a', '127.0.0.1', '-p', String(port), '-c', join(dir, 'nats.conf')],
    () => ({ 'nats.conf': config }),
  );
}

/** A TCP server that accepts connections and never says a word: a peer that hangs. */
export interface BlackHole {
  readonly port: number;
  /** Resolves when the next connection is accepted (or at once if one is open). */
  accepted(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a {@link BlackHole} on a free loopback port. */
export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  const waiting: Array<() => void> = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    for (const resolve of waiting.splice(0)) resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    accepted: () => (sockets.size > 0 ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve))),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on which nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  return freePort();
}

/** A real rsyslogd of the test's own: UDP and TCP inputs on loopback, a local socket, one output file. */
export interface Rsyslog extends Spawned {
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly socket: string;
  /** A local socket whose messages get rsyslog's full parsers (RFC 5424 included). */
  readonly socket5424: string;
  /** Lines written so far: `facility|severity|hostname|appname|procid|structured-data|msg`. */
  lines(): Promise<string[]>;
}

/** Starts rsyslogd (`RSYSLOGD`, default `/usr/sbin/rsyslogd`, Debian's `rsyslog` package) in the foreground. */
export async function startRsyslog(): Promise<Rsyslog> {
  const udpPort = await freePort();
  const spawned = await spawnServer(
    process.env.RSYSLOGD ?? '/usr/sbin/rsyslogd',
    ({ dir }) => ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslog.pid')],
    ({ port, dir }) => ({
      'rsyslog.conf': [
        `global(workDirectory="${dir}" maxMessageSize="64k")`,
        'module(load="imudp")',
        'module(load="imtcp")',
        'module(load="imuxsock" SysSock.Use="off")',
        `input(type="imudp" address="127.0.0.1" port="${udpPort}")`,
        `input(type="imtcp" address="127.0.0.1" port="${port}")`,
        // As /dev/log is read by default; and a socket parsed with the full parsers, for RFC 5424 locally.
        `input(type="imuxsock" Socket="${join(dir, 'log.sock')}" CreatePath="on")`,
        `input(type="imuxsock" Socket="${join(dir, 'log5424.sock')}" UseSpecialParser="off" ParseHostname="on")`,
        'template(name="fields" type="string" string="%syslogfacility-text%|%syslogseverity-text%|%hostname%|%app-name%|%procid%|%structured-data%|%msg%\\n")',
        `*.* action(type="omfile" file="${join(dir, 'out.log')}" template="fields")`,
        '',
      ].join('\n'),
    }),
  );
  const socket = join(spawned.dir, 'log.sock');
  const { readFile, stat } = await import('node:fs/promises');
  const until = performance.now() + 10_000;
  while (
    !(await stat(socket).then(
      () => true,
      () => false,
    ))
  ) {
    if (performance.now() > until) throw new Error(`rsyslogd made no socket ${socket}:\n${spawned.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    ...spawned,
    udpPort,
    tcpPort: spawned.port,
    socket,
    socket5424: join(spawned.dir, 'log5424.sock'),
    lines: async () =>
      (await readFile(join(spawned.dir, 'out.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const fields = l.split('|');
          // The message is the rest (it may hold "|"); RFC 3164 keeps the space after "TAG:" in it.
          return [...fields.slice(0, 6), fields.slice(6).join('|').replace(/^ /, '')].join('|');
        }),
  };
}
