import { type ChannelModel, connect } from 'amqplib';

/** Connections kept open between runs, one per URL; each run opens a channel of its own on one. */
export interface Pool {
  /** The open connection to `url`, connecting (within `timeoutMs`) if needed. */
  connection(url: string, timeoutMs: number): Promise<ChannelModel>;
  close(): Promise<void>;
}

/** Creates a pool; a connection unused for `idleMs` is closed. */
export function createPool(options: { readonly idleMs: number; readonly name: string }): Pool {
  const entries = new Map<
    string,
    { connecting: Promise<ChannelModel>; idle?: ReturnType<typeof setTimeout> }
  >();
  return {
    connection(url, timeoutMs) {
      let entry = entries.get(url);
      if (entry === undefined) {
        const connecting = connect(url, {
          timeout: timeoutMs,
          clientProperties: { connection_name: options.name },
        });
        const created = { connecting } as {
          connecting: Promise<ChannelModel>;
          idle?: ReturnType<typeof setTimeout>;
        };
        entry = created;
        entries.set(url, created);
        connecting.then(
          (model) => {
            // A broken or closed connection leaves the pool; the next run connects again.
            const drop = () => {
              if (entries.get(url) === created) entries.delete(url);
            };
            model.on('close', drop);
            model.on('error', drop);
          },
          () => {
            if (entries.get(url) === created) entries.delete(url);
          },
        );
      }
      const held = entry;
      if (held.idle !== undefined) clearTimeout(held.idle);
      held.idle = setTimeout(() => {
        if (entries.get(url) === held) entries.delete(url);
        void held.connecting.then((m) => m.close()).catch(() => {});
      }, options.idleMs);
      held.idle.unref();
      return held.connecting;
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      for (const e of all) if (e.idle !== undefined) clearTimeout(e.idle);
      await Promise.allSettled(all.map((e) => e.connecting.then((m) => m.close())));
    },
  };
}
