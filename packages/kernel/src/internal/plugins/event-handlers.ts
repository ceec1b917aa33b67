import type { Logger, PluginEventName, PluginEvents } from '@dkron-core/plugin-api';
import { errorMessage } from './bind-logger.js';

/** A subscribed handler and the plugin that subscribed it (named in the log when it fails). */
export interface EventHandler {
  readonly plugin: string;
  readonly fn: (payload: unknown) => void | Promise<void>;
}

/** The handlers of every event, called so that no handler can affect the caller. */
export interface EventHandlers {
  add(event: PluginEventName, handler: EventHandler): void;
  has(event: PluginEventName): boolean;
  emit<E extends PluginEventName>(event: E, payload: PluginEvents[E]): Promise<void>;
}

const SETTLED = Promise.resolve();

/** Creates the handler table; failures are reported to `logger`. */
export function createEventHandlers(logger: Logger): EventHandlers {
  const table = new Map<PluginEventName, EventHandler[]>();
  return {
    add(event, handler) {
      table.set(event, [...(table.get(event) ?? []), handler]);
    },
    has: (event) => table.has(event),
    emit(event, payload) {
      const list = table.get(event);
      // Hot path: every output chunk emits; without listeners nothing is allocated.
      if (list === undefined) return SETTLED;
      const fail = (plugin: string) => (thrown: unknown) => {
        logger.error('plugin event handler failed', { plugin, event, error: errorMessage(thrown) });
      };
      const waits: Promise<void>[] = [];
      for (const { plugin, fn } of list) {
        try {
          const result = fn(payload);
          if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
            waits.push(Promise.resolve(result).then(undefined, fail(plugin)));
          }
        } catch (thrown) {
          fail(plugin)(thrown);
        }
      }
      return waits.length === 0 ? SETTLED : Promise.all(waits).then(() => undefined);
    },
  };
}
