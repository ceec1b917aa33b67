import type { DkronPlugin, ExecuteResult } from '@dkron-core/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from './test-host.js';

/** The configs the executor contract runs, as a job would store them (strings are fine). */
export interface ExecutorContractCases {
  /** Succeeds and writes some output through `ctx.output`. */
  readonly succeeding: Record<string, unknown>;
  /** Fails (the executor reports `success: false` with an error, or throws). */
  readonly failing: Record<string, unknown>;
  /** Runs for at least 2 s unless aborted; used to check cancellation. */
  readonly slow: Record<string, unknown>;
}

/** Tuning of {@link describeExecutorContract}. */
export interface ExecutorContractOptions {
  /** When the slow case is aborted, after it started. Default 200 ms. */
  readonly abortAfterMs?: number;
  /** How soon after the abort the executor must settle. Default 1500 ms. */
  readonly settleWithinMs?: number;
}

/**
 * Declares the contract every executor plugin must meet, as a vitest `describe` block. Call it at the
 * top level of a test file:
 *
 * ```ts
 * describeExecutorContract(myExecutorPlugin(), 'my-executor', {
 *   succeeding: { url: 'http://127.0.0.1:9/ok' },
 *   failing: { url: 'http://127.0.0.1:9/fail' },
 *   slow: { url: 'http://127.0.0.1:9/slow' },
 * });
 * ```
 *
 * It checks that the plugin registers the executor with a config schema exportable as JSON Schema,
 * that the cases' configs parse, that the succeeding case succeeds and streams output through
 * `ctx.output`, that the failing case fails with an error, and that an aborted slow run settles
 * promptly without success.
 */
export function describeExecutorContract(
  plugin: DkronPlugin,
  executorName: string,
  cases: ExecutorContractCases,
  options: ExecutorContractOptions = {},
): void {
  const abortAfterMs = options.abortAfterMs ?? 200;
  const settleWithinMs = options.settleWithinMs ?? 1500;

  describe(`executor contract: ${executorName} (${plugin.name})`, () => {
    let harness: TestHost;
    beforeAll(async () => {
      harness = createTestHost();
      await harness.install(plugin);
    });
    afterAll(async () => {
      await plugin.close?.();
    });

    it(`registers "${executorName}" with a config schema exportable as JSON Schema`, () => {
      const executor = harness.executor(executorName);
      expect(typeof executor.execute).toBe('function');
      const schema = executor.config.toJSONSchema();
      expect(schema).toMatchObject({ type: 'object' });
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    });

    it('parses the configs of every case', () => {
      const { config } = harness.executor(executorName);
      for (const input of [cases.succeeding, cases.failing, cases.slow]) {
        expect(() => config.parse(input, 'executor_config')).not.toThrow();
      }
    });

    it('succeeds on the succeeding case and writes its output through ctx.output', async () => {
      const { result, context } = await harness.execute(executorName, cases.succeeding);
      expect(result).toMatchObject({ success: true });
      expect(result.error ?? '').toBe('');
      expect(context.output.bytesWritten).toBeGreaterThan(0);
      expect(context.text()).not.toBe('');
    });

    it('fails on the failing case with an error message', async () => {
      const outcome = await settle(harness.execute(executorName, cases.failing));
      if (outcome.thrown !== undefined) {
        expect(outcome.thrown).toBeInstanceOf(Error);
        expect((outcome.thrown as Error).message).not.toBe('');
      } else {
        expect(outcome.result?.success).toBe(false);
        expect(typeof outcome.result?.error).toBe('string');
        expect(outcome.result?.error).not.toBe('');
      }
    });

    it(
      `settles within ${settleWithinMs} ms without success when aborted`,
      async () => {
        const context = harness.createContext();
        const running = settle(harness.execute(executorName, cases.slow, context));
        await new Promise((resolve) => setTimeout(resolve, abortAfterMs));
        const abortedAt = Date.now();
        context.controller.abort();
        const outcome = await running;
        expect(Date.now() - abortedAt).toBeLessThan(settleWithinMs);
        expect(outcome.result?.success ?? false).toBe(false);
      },
      abortAfterMs + settleWithinMs + 5000,
    );

    it(
      'settles promptly without success when the signal is aborted before it starts',
      async () => {
        const context = harness.createContext();
        context.controller.abort();
        const startedAt = Date.now();
        const outcome = await settle(harness.execute(executorName, cases.slow, context));
        expect(Date.now() - startedAt).toBeLessThan(settleWithinMs);
        expect(outcome.result?.success ?? false).toBe(false);
      },
      settleWithinMs + 5000,
    );
  });
}

async function settle(
  pending: Promise<{ result: ExecuteResult }>,
): Promise<{ result?: ExecuteResult; thrown?: unknown }> {
  try {
    return { result: (await pending).result };
  } catch (thrown) {
    return { thrown };
  }
}
