import { c, definePlugin, type Logger } from '@dkron-core/plugin-api';
import type { Clock } from '../../ports/clock.js';

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
