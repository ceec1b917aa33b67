import { c, type DkronPlugin, definePlugin } from '@dkron-core/plugin-api';
import { describe, expect, it } from 'vitest';
import { describeExecutorContract } from './executor-contract.js';

/** An executor whose public config has one key; failing and slow runs come from factory options only. */
function echoExecutor(test: { failWith?: string; hold?: boolean } = {}): DkronPlugin & { started: number } {
  const plugin = definePlugin({
    name: 'echo-contract',
    apiVersion: 1,
    started: 0,
    setup(host) {
      host.executor({
        name: 'echo',
        config: c.object({ text: c.string() }, { unknownKeys: 'reject' }),
        async execute(req, ctx) {
          if (ctx.signal.aborted) return { success: false, error: 'aborted' };
          plugin.started++;
          if (test.failWith !== undefined) return { success: false, error: test.failWith };
          if (test.hold) {
            ctx.output.write('holding\n');
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
            return { success: false, error: 'aborted' };
          }
          ctx.output.write(req.config.text);
          return { success: true };
        },
      });
    },
  });
  return plugin;
}

const slow = echoExecutor({ hold: true });

describeExecutorContract(echoExecutor(), 'echo', {
  succeeding: { text: 'hi' },
  testOnly: {
    failing: { plugin: echoExecutor({ failWith: 'boom' }), config: { text: 'hi' } },
    slow: {
      plugin: slow,
      config: { text: 'hi' },
      // Aborts once the run wrote its first chunk, not after a guessed delay.
      running: (context) =>
        new Promise<void>((resolve) => {
          const check = () => (context.chunks.length > 0 ? resolve() : setImmediate(check));
          check();
        }),
    },
  },
});

describe('describeExecutorContract', () => {
  it('ran the slow case through its own plugin instance, whose schema refuses test-only keys', () => {
    expect(slow.started).toBeGreaterThan(0);
  });

  it('asks for a failing and a slow case, public or test-only', () => {
    expect(() => describeExecutorContract(echoExecutor(), 'echo', { succeeding: { text: 'x' } })).toThrow(
      'describeExecutorContract: give a "failing" case, or "testOnly.failing"',
    );
    expect(() =>
      describeExecutorContract(echoExecutor(), 'echo', { succeeding: { text: 'x' }, failing: { text: 'y' } }),
    ).toThrow('describeExecutorContract: give a "slow" case, or "testOnly.slow"');
  });
});
