import { connect, type JetStreamClient, type NatsConnection } from 'nats';

/** A pooled connection, shared by the runs of one server list, credentials and subject. */
export interface Lease {
  readonly connection: NatsConnection;
  /** Called with the code of every asynchronous error the server reports on this connection. */
  readonly errorListeners: Set<(code: string) => void>;
  /**
   * Resolves once the server has handled everything published on the connection before the call
   * (and its error reports, if any, reached the listeners). Runs publishing in the same turn of the
   * event loop share one round trip.
   */
  confirmed(): Promise<void>;
  /** The connection's JetStream client, made once. */
  jetstream(): JetStreamClient;
}

interface Entry {
  readonly key: string;
  /** Set once connected. */
  connection?: NatsConnection;
  readonly connecting: Promise<Lease>;
  readonly errorListeners: Set<(code: string) => void>;
  users: number;
  idle?: ReturnType<typeof setTimeout>;
}

/** What identifies a pooled connection. */
export interface ConnectionSpec {
  readonly servers: readonly string[];
  readonly user: string;
  readonly pass: string;
  /**
   * Part of the key: the server reports a refused publish (permissions) without naming its subject,
   * so one connection carries one subject and such an error belongs to the runs using it.
   */
  readonly subject: string;
  readonly timeoutMs: number;
}

/** Options of {@link createPool}. */
export interface PoolOptions {
  /** A connection unused this long is closed. */
  readonly idleMs: number;
  /** Client name shown by the server (`connz`). */
  readonly name: string;
}

/** Connections kept open between runs, so a job firing every second does not reconnect each time. */
export interface Pool {
  /** A connection for `spec` (opened if needed). Release it with {@link Pool.release}. */
  acquire(spec: ConnectionSpec): { readonly lease: Promise<Lease>; release(): void };
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Creates a connection pool. */
export function createPool(options: PoolOptions): Pool {
  const entries = new Map<string, Entry>();

  const evict = (entry: Entry) => {
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
    if (entry.idle !== undefined) clearTimeout(entry.idle);
  };

  const open = (key: string, spec: ConnectionSpec): Entry => {
    const errorListeners = new Set<(code: string) => void>();
    const connecting = connect({
      servers: [...spec.servers],
      ...(spec.user === '' ? {} : { user: spec.user }),
      ...(spec.pass === '' ? {} : { pass: spec.pass }),
      name: options.name,
      timeout: spec.timeoutMs,
      // A lost connection is dropped from the pool and the next run connects again: a publish never
      // waits, buffered, for a reconnect the job cannot see.
      reconnect: false,
    }).then((connection): Lease => {
      entry.connection = connection;
      let pending: Promise<void> | undefined;
      const confirmed = () => {
        // One PING for every publish of this turn: the server answers it after handling them, and
        // reports a refused publish before that PONG; its status event reaches the listeners a turn later.
        pending ??= new Promise<void>((resolve) => queueMicrotask(resolve))
          .then(() => {
            pending = undefined;
            return connection.flush();
          })
          .then(() => new Promise<void>((resolve) => setImmediate(resolve)));
        return pending;
      };
      void (async () => {
        for await (const status of connection.status()) {
          if (status.type === 'error') for (const listener of errorListeners) listener(String(status.data));
        }
      })();
      void connection.closed().then(() => evict(entry));
      let js: JetStreamClient | undefined;
      const jetstream = () => {
        js ??= connection.jetstream();
        return js;
      };
      return { connection, errorListeners, confirmed, jetstream };
    });
    const entry: Entry = { key, connecting, errorListeners, users: 0 };
    connecting.catch(() => evict(entry));
    return entry;
  };

  return {
    acquire(spec) {
      const key = JSON.stringify([spec.servers, spec.user, spec.pass, spec.subject]);
      let entry = entries.get(key);
      if (entry === undefined || entry.connection?.isClosed()) {
        if (entry !== undefined) evict(entry);
        entry = open(key, spec);
        entries.set(key, entry);
      }
      const held = entry;
      held.users++;
      if (held.idle !== undefined) {
        clearTimeout(held.idle);
        held.idle = undefined;
      }
      let released = false;
      return {
        lease: held.connecting,
        release() {
          if (released) return;
          released = true;
          held.users--;
          if (held.users > 0 || entries.get(held.key) !== held) return;
          held.idle = setTimeout(() => {
            evict(held);
            void held.connecting.then((l) => l.connection.close()).catch(() => {});
          }, options.idleMs);
          held.idle.unref();
        },
      };
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      for (const entry of all) if (entry.idle !== undefined) clearTimeout(entry.idle);
      // A connect still in progress is closed when it completes; shutdown does not wait for it.
      for (const entry of all) {
        if (entry.connection === undefined)
          void entry.connecting.then(
            (l) => l.connection.close(),
            () => {},
          );
      }
      await Promise.allSettled(
        all.flatMap((e) => (e.connection === undefined ? [] : [e.connection.close()])),
      );
    },
  };
}
