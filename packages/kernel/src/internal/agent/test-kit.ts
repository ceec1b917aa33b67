import { c, type DkronPlugin, definePlugin, type Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';
import type { ExecutionJournal } from '../../ports/execution-journal.js';
import type { Store } from '../../ports/store.js';
import { createMemoryStore } from '../memory-store/index.js';
import { createPluginRegistry } from '../plugins/index.js';
import { type Agent, createAgent } from './agent.js';

/** The fake clock's start in the agent tests. */
export const T0 = Date.parse('2026-11-21T12:00:00Z');

/** A clock whose time only moves when a test says so. */
export interface FakeClock extends Clock {
  /** Moves time forward, firing due timers in order and letting the agent's async work settle. */
  advance(ms: number): Promise<void>;
  /** Timers still pending. */
  pending(): number;
}

/** Lets promise chains and `setImmediate` batches settle. */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export function createFakeClock(start: number): FakeClock {
  let now = start;
  let seq = 0;
  const timers: { at: number; seq: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + Math.max(ms, 0), seq: ++seq, fn };
      timers.push(timer);
      return {
        cancel() {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
        },
      };
    },
    pending: () => timers.length,
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const first = timers[0];
        if (!first || first.at > target) break;
        timers.shift();
        now = Math.max(now, first.at);
        first.fn();
        await settle();
      }
      now = target;
      await settle();
    },
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Behaviour of the test executor, keyed by `executor_config.mode`. */
export interface TestExecutorControl {
  calls: string[];
  /** Resolvers of `mode: "hold"` runs, in start order. */
  held: ((ok: boolean) => void)[];
  /** How many times `mode: "flaky"` fails before succeeding. */
  flakyFailures: number;
}

/** An executor plugin for agent tests: `ok`, `fail`, `flaky`, `hold` (until released or aborted). */
export function testExecutorPlugin(control: TestExecutorControl) {
  return definePlugin({
    name: 'test-executor',
    apiVersion: 1,
    setup(host) {
      host.executor({
        name: 'test',
        config: c.object({
          mode: c.enum(['ok', 'fail', 'flaky', 'hold']).default('ok'),
          text: c.string().default(''),
        }),
        async execute(req, ctx) {
          control.calls.push(req.job.name);
          if (req.config.text !== '') ctx.output.write(req.config.text);
          switch (req.config.mode) {
            case 'ok':
              return { success: true };
            case 'fail':
              return { success: false, error: 'boom' };
            case 'flaky':
              if (control.flakyFailures > 0) {
                control.flakyFailures--;
                return { success: false, error: 'flaky failure' };
              }
              return { success: true };
            case 'hold':
              return new Promise((resolve) => {
                control.held.push((ok) => resolve({ success: ok }));
                ctx.signal.addEventListener('abort', () => resolve({ success: false, error: 'aborted' }));
              });
          }
        },
      });
    },
  });
}

/** An agent of node `node1` on a store and a fake clock, with the test executor (`test`) registered. */
export interface Harness {
  agent: Agent;
  store: Store;
  clock: FakeClock;
  control: TestExecutorControl;
}

/** Options of {@link harness}. */
export interface HarnessOptions {
  /** Default: a new memory store. */
  store?: Store;
  /** Default: a fake clock at {@link T0}. */
  clock?: FakeClock;
  /** Start the agent. Default true. */
  start?: boolean;
  /** More plugins, registered after the test executor. */
  plugins?: DkronPlugin[];
  journal?: ExecutionJournal;
}

/** Creates (and by default starts) an agent for a test; the test stops it. */
export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const store = opts.store ?? createMemoryStore();
  const clock = opts.clock ?? createFakeClock(T0);
  const control: TestExecutorControl = { calls: [], held: [], flakyFailures: 0 };
  const registry = createPluginRegistry({ nodeName: 'node1', logger: silentLogger });
  await registry.register(testExecutorPlugin(control));
  for (const plugin of opts.plugins ?? []) await registry.register(plugin);
  const agent = createAgent({
    nodeName: 'node1',
    version: 'test',
    store,
    registry,
    logger: silentLogger,
    clock,
    ...(opts.journal ? { journal: opts.journal } : {}),
  });
  if (opts.start !== false) await agent.start();
  return { agent, store, clock, control };
}

/** A job posted to the agent: `@every 10s` on the test executor in mode `ok`, with `extra` on top. */
export function job(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, schedule: '@every 10s', executor: 'test', executor_config: { mode: 'ok' }, ...extra };
}

/** A job's stored executions, oldest first. */
export async function executions(store: Store, name: string) {
  return (await store.listExecutions(name, { order: 'ASC' })).executions;
}
